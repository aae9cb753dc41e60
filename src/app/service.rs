//! Service names from hosts (lead engineer).
