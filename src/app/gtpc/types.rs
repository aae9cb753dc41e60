//! Open newtypes for the GTPv2-C protocol numbers this parser names (STYLE rule 5): message
//! types, IE types, RAT types, F-TEID interface types and PDN types. Unassigned values are
//! data: `name()` gives `None` and `Display` prints the number.

use std::fmt;

/// Defines an open newtype over a protocol number with named constants and `name()`.
macro_rules! open_number {
    ($(#[$m:meta])* $ty:ident($inner:ty) { $($(#[$cm:meta])* $c:ident = $v:expr, $n:literal;)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $ty(pub $inner);
        impl $ty {
            $($(#[$cm])* pub const $c: Self = Self($v);)*
            /// Name of an assigned value this parser knows, `None` for others.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($v => Some($n),)*
                    _ => None,
                }
            }
        }
        /// The name, or the number for values without one.
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}", self.0),
                }
            }
        }
    };
}

open_number! {
    /// GTPv2-C message type (TS 29.274 Table 6.1-1).
    MsgType(u8) {
        ECHO_REQUEST = 1, "echo_request";
        ECHO_RESPONSE = 2, "echo_response";
        VERSION_NOT_SUPPORTED = 3, "version_not_supported";
        CREATE_SESSION_REQUEST = 32, "create_session_request";
        CREATE_SESSION_RESPONSE = 33, "create_session_response";
        MODIFY_BEARER_REQUEST = 34, "modify_bearer_request";
        MODIFY_BEARER_RESPONSE = 35, "modify_bearer_response";
        DELETE_SESSION_REQUEST = 36, "delete_session_request";
        DELETE_SESSION_RESPONSE = 37, "delete_session_response";
        CREATE_BEARER_REQUEST = 95, "create_bearer_request";
        CREATE_BEARER_RESPONSE = 96, "create_bearer_response";
        UPDATE_BEARER_REQUEST = 97, "update_bearer_request";
        UPDATE_BEARER_RESPONSE = 98, "update_bearer_response";
        DELETE_BEARER_REQUEST = 99, "delete_bearer_request";
        DELETE_BEARER_RESPONSE = 100, "delete_bearer_response";
        RELEASE_ACCESS_BEARERS_REQUEST = 170, "release_access_bearers_request";
        RELEASE_ACCESS_BEARERS_RESPONSE = 171, "release_access_bearers_response";
        DOWNLINK_DATA_NOTIFICATION = 176, "downlink_data_notification";
        DOWNLINK_DATA_NOTIFICATION_ACK = 177, "downlink_data_notification_ack";
    }
}

open_number! {
    /// GTPv2 IE type (TS 29.274 Table 8.1-1).
    IeType(u8) {
        IMSI = 1, "imsi";
        CAUSE = 2, "cause";
        RECOVERY = 3, "recovery";
        APN = 71, "apn";
        EBI = 73, "ebi";
        MEI = 75, "mei";
        MSISDN = 76, "msisdn";
        PAA = 79, "paa";
        RAT_TYPE = 82, "rat_type";
        ULI = 86, "uli";
        FTEID = 87, "fteid";
        BEARER_CONTEXT = 93, "bearer_context";
    }
}

open_number! {
    /// RAT type (TS 29.274 §8.17).
    RatType(u8) {
        UTRAN = 1, "utran";
        GERAN = 2, "geran";
        WLAN = 3, "wlan";
        GAN = 4, "gan";
        HSPA_EVOLUTION = 5, "hspa_evolution";
        EUTRAN = 6, "eutran";
        VIRTUAL = 7, "virtual";
        EUTRAN_NB_IOT = 8, "eutran_nb_iot";
        LTE_M = 9, "lte_m";
        NR = 10, "nr";
    }
}

open_number! {
    /// F-TEID interface type (TS 29.274 §8.22), 6 bits.
    FteidInterface(u8) {
        S1U_ENODEB = 0, "s1u_enodeb";
        S1U_SGW = 1, "s1u_sgw";
        S12_RNC = 2, "s12_rnc";
        S12_SGW = 3, "s12_sgw";
        S5S8_SGW_GTPU = 4, "s5s8_sgw_gtpu";
        S5S8_PGW_GTPU = 5, "s5s8_pgw_gtpu";
        S5S8_SGW_GTPC = 6, "s5s8_sgw_gtpc";
        S5S8_PGW_GTPC = 7, "s5s8_pgw_gtpc";
        S11_MME_GTPC = 10, "s11_mme_gtpc";
        S11S4_SGW_GTPC = 11, "s11s4_sgw_gtpc";
        S4_SGSN_GTPU = 15, "s4_sgsn_gtpu";
        S4_SGW_GTPU = 16, "s4_sgw_gtpu";
        S11U_MME = 38, "s11u_mme";
        S11U_SGW = 39, "s11u_sgw";
    }
}

open_number! {
    /// PDN type of a PAA (TS 29.274 §8.14), 3 bits.
    PdnType(u8) {
        IPV4 = 1, "ipv4";
        IPV6 = 2, "ipv6";
        IPV4V6 = 3, "ipv4v6";
        NON_IP = 4, "non_ip";
        ETHERNET = 5, "ethernet";
    }
}
