//! Stream reassembly for app parsers (lead engineer).
