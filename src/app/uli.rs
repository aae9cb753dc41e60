//! User location (cell) identities shared by the GTPv2-C and RADIUS parsers (issue 4).
//!
//! What this module owns: the PLMN identity in its 3-octet TBCD form (3GPP TS 24.008
//! §10.5.1.3), the location identities built on it (CGI, SAI, RAI, TAI, ECGI, LAI, eNodeB ids;
//! TS 23.003) and two decoders of the same information in two wire forms:
//! * [`parse_gtpv2_uli`]: the body of the GTPv2 User Location Information IE (TS 29.274
//!   §8.21): a flags octet, then the fields whose flag is set, in a fixed order;
//! * [`parse_geographic_location`]: the 3GPP-User-Location-Info form (TS 29.061 §16.4.7.2,
//!   after TS 29.060 §7.7.51 and TS 29.274 §8.21): a type octet, then one identity (or TAI
//!   then ECGI).
//!
//! [`Location::cell`] gives the stable id the records print as `cell`.
//!
//! What it refuses to do: it never panics on input and never allocates while decoding; bytes
//! after the last field a flag (or the type) announces are ignored, as TS 29.274 §8.2 asks of
//! IE bodies longer than the receiver knows.

use std::fmt;

/// Octets of a PLMN identity (MCC + MNC in TBCD).
pub const PLMN_LEN: usize = 3;
/// Octets of a CGI, SAI or RAI field: PLMN, LAC, then CI, SAC or RAC (+ spare octet).
pub const CGI_LEN: usize = 7;
/// Octets of a TAI field: PLMN, TAC.
pub const TAI_LEN: usize = 5;
/// Octets of an ECGI field: PLMN, 4 spare bits + 28-bit ECI.
pub const ECGI_LEN: usize = 7;
/// Octets of a LAI field: PLMN, LAC.
pub const LAI_LEN: usize = 5;
/// Octets of a (extended) macro eNodeB id field: PLMN, then the id in 3 octets.
pub const ENB_LEN: usize = 6;

/// Why a location could not be decoded. Each has a stable counter name ([`UliError::name`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UliError {
    /// The bytes end before a field the flags (or the type octet) announce.
    Truncated,
    /// A PLMN digit is not a decimal digit (or the MNC filler sits in the wrong place).
    BadTbcd,
    /// A 3GPP-User-Location-Info type octet this decoder does not know.
    UnknownType(u8),
}

impl UliError {
    /// Stable counter name.
    pub const fn name(self) -> &'static str {
        match self {
            UliError::Truncated => "uli_truncated",
            UliError::BadTbcd => "uli_bad_tbcd",
            UliError::UnknownType(_) => "uli_unknown_type",
        }
    }
}

impl fmt::Display for UliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UliError::Truncated => f.write_str("user location truncated"),
            UliError::BadTbcd => f.write_str("PLMN id is not valid TBCD"),
            UliError::UnknownType(t) => write!(f, "unknown geographic location type {t}"),
        }
    }
}

/// A PLMN identity: mobile country code and mobile network code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Plmn {
    pub mcc: u16,
    pub mnc: u16,
    /// 2 or 3: `01` and `001` are different networks.
    pub mnc_digits: u8,
}

impl Plmn {
    /// Decode the 3-octet TBCD form: octet 1 = MCC2|MCC1, octet 2 = MNC3|MCC3, octet 3 =
    /// MNC2|MNC1 (high|low nibble); MNC3 = 0xF for a 2-digit MNC (TS 24.008 §10.5.1.3).
    pub fn from_tbcd(b: [u8; PLMN_LEN]) -> Result<Plmn, UliError> {
        let d = |v: u8| -> Result<u16, UliError> {
            if v <= 9 {
                Ok(u16::from(v))
            } else {
                Err(UliError::BadTbcd)
            }
        };
        let mcc = d(b[0] & 0xf)? * 100 + d(b[0] >> 4)? * 10 + d(b[1] & 0xf)?;
        let mnc12 = d(b[2] & 0xf)? * 10 + d(b[2] >> 4)?;
        let mnc3 = b[1] >> 4;
        if mnc3 == 0xf {
            Ok(Plmn {
                mcc,
                mnc: mnc12,
                mnc_digits: 2,
            })
        } else {
            Ok(Plmn {
                mcc,
                mnc: mnc12 * 10 + d(mnc3)?,
                mnc_digits: 3,
            })
        }
    }
}

/// `<mcc>-<mnc>` with the MCC in 3 digits and the MNC in its own digit count (`001-01`).
impl fmt::Display for Plmn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = usize::from(self.mnc_digits);
        write!(f, "{:03}-{:0w$}", self.mcc, self.mnc)
    }
}

/// Tracking Area Identity (E-UTRAN).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Tai {
    pub plmn: Plmn,
    pub tac: u16,
}

/// E-UTRAN Cell Global Identifier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Ecgi {
    pub plmn: Plmn,
    /// 28-bit E-UTRAN cell identity (eNodeB id << 8 | cell).
    pub eci: u32,
}

/// Cell Global Identity (GERAN/UTRAN).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Cgi {
    pub plmn: Plmn,
    pub lac: u16,
    pub ci: u16,
}

/// Service Area Identity (UTRAN).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Sai {
    pub plmn: Plmn,
    pub lac: u16,
    pub sac: u16,
}

/// Routing Area Identity (GERAN/UTRAN packet domain).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Rai {
    pub plmn: Plmn,
    pub lac: u16,
    /// One octet; the field's second octet is spare (all ones).
    pub rac: u8,
}

/// Location Area Identity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Lai {
    pub plmn: Plmn,
    pub lac: u16,
}

/// Macro eNodeB id (20 bits) or extended macro eNodeB id (21 bits, or 18 bits for a short
/// macro eNodeB).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct EnbId {
    pub plmn: Plmn,
    pub id: u32,
    /// Extended macro eNodeB id with the SMeNB flag set: an 18-bit short macro id.
    pub short_macro: bool,
}

/// The identities one location report carried; each is `None` when absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Location {
    pub cgi: Option<Cgi>,
    pub sai: Option<Sai>,
    pub rai: Option<Rai>,
    pub tai: Option<Tai>,
    pub ecgi: Option<Ecgi>,
    pub lai: Option<Lai>,
    pub macro_enb: Option<EnbId>,
    pub ext_macro_enb: Option<EnbId>,
}

impl Location {
    /// Stable cell id for a record's `cell`: `ecgi:<mcc>-<mnc>-<eci>`, else
    /// `cgi:<mcc>-<mnc>-<lac>-<ci>`, else `sai:<mcc>-<mnc>-<lac>-<sac>`; `None` when the
    /// location has none of these (a TAI or RAI alone names an area, not a cell). Numbers are
    /// decimal; the MNC keeps its digit count (`001-01` ≠ `001-001`).
    pub fn cell(&self) -> Option<String> {
        if let Some(e) = self.ecgi {
            Some(format!("ecgi:{}-{}", e.plmn, e.eci))
        } else if let Some(c) = self.cgi {
            Some(format!("cgi:{}-{}-{}", c.plmn, c.lac, c.ci))
        } else {
            self.sai
                .map(|s| format!("sai:{}-{}-{}", s.plmn, s.lac, s.sac))
        }
    }

    /// True when no identity was decoded.
    pub fn is_empty(&self) -> bool {
        *self == Location::default()
    }
}

/// A cursor over a location body; every read is checked.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], UliError> {
        let end = self.pos.checked_add(N).ok_or(UliError::Truncated)?;
        let b: [u8; N] = self
            .data
            .get(self.pos..end)
            .and_then(|s| s.try_into().ok())
            .ok_or(UliError::Truncated)?;
        self.pos = end;
        Ok(b)
    }
    fn plmn(&mut self) -> Result<Plmn, UliError> {
        Plmn::from_tbcd(self.take::<PLMN_LEN>()?)
    }
    fn u16(&mut self) -> Result<u16, UliError> {
        Ok(u16::from_be_bytes(self.take::<2>()?))
    }
    fn cgi(&mut self) -> Result<Cgi, UliError> {
        Ok(Cgi {
            plmn: self.plmn()?,
            lac: self.u16()?,
            ci: self.u16()?,
        })
    }
    fn sai(&mut self) -> Result<Sai, UliError> {
        Ok(Sai {
            plmn: self.plmn()?,
            lac: self.u16()?,
            sac: self.u16()?,
        })
    }
    fn rai(&mut self) -> Result<Rai, UliError> {
        let plmn = self.plmn()?;
        let lac = self.u16()?;
        let [rac, _spare] = self.take::<2>()?;
        Ok(Rai { plmn, lac, rac })
    }
    fn tai(&mut self) -> Result<Tai, UliError> {
        Ok(Tai {
            plmn: self.plmn()?,
            tac: self.u16()?,
        })
    }
    fn ecgi(&mut self) -> Result<Ecgi, UliError> {
        let plmn = self.plmn()?;
        let eci = u32::from_be_bytes(self.take::<4>()?) & 0x0fff_ffff;
        Ok(Ecgi { plmn, eci })
    }
    fn lai(&mut self) -> Result<Lai, UliError> {
        Ok(Lai {
            plmn: self.plmn()?,
            lac: self.u16()?,
        })
    }
    fn enb(&mut self, extended: bool) -> Result<EnbId, UliError> {
        let plmn = self.plmn()?;
        let [a, b, c] = self.take::<3>()?;
        let raw = u32::from_be_bytes([0, a, b, c]);
        if !extended {
            return Ok(EnbId {
                plmn,
                id: raw & 0x000f_ffff,
                short_macro: false,
            });
        }
        // TS 29.274 §8.21.8: SMeNB flag in bit 8 of the first octet; 18 bits when set, else 21.
        let short_macro = a & 0x80 != 0;
        let id = if short_macro {
            raw & 0x0003_ffff
        } else {
            raw & 0x001f_ffff
        };
        Ok(EnbId {
            plmn,
            id,
            short_macro,
        })
    }
}

/// ULI IE flag bits (TS 29.274 §8.21, octet 5), in field order.
pub mod uli_flag {
    pub const CGI: u8 = 0x01;
    pub const SAI: u8 = 0x02;
    pub const RAI: u8 = 0x04;
    pub const TAI: u8 = 0x08;
    pub const ECGI: u8 = 0x10;
    pub const LAI: u8 = 0x20;
    pub const MACRO_ENB: u8 = 0x40;
    pub const EXT_MACRO_ENB: u8 = 0x80;
}

/// Decode the body of a GTPv2 ULI IE (TS 29.274 §8.21): the flags octet, then CGI, SAI, RAI,
/// TAI, ECGI, LAI, macro eNodeB id and extended macro eNodeB id, each present when its flag
/// is set. Bytes after the last announced field are ignored.
pub fn parse_gtpv2_uli(body: &[u8]) -> Result<Location, UliError> {
    let mut r = Reader { data: body, pos: 0 };
    let [flags] = r.take::<1>()?;
    let mut loc = Location::default();
    let has = |f: u8| flags & f != 0;
    if has(uli_flag::CGI) {
        loc.cgi = Some(r.cgi()?);
    }
    if has(uli_flag::SAI) {
        loc.sai = Some(r.sai()?);
    }
    if has(uli_flag::RAI) {
        loc.rai = Some(r.rai()?);
    }
    if has(uli_flag::TAI) {
        loc.tai = Some(r.tai()?);
    }
    if has(uli_flag::ECGI) {
        loc.ecgi = Some(r.ecgi()?);
    }
    if has(uli_flag::LAI) {
        loc.lai = Some(r.lai()?);
    }
    if has(uli_flag::MACRO_ENB) {
        loc.macro_enb = Some(r.enb(false)?);
    }
    if has(uli_flag::EXT_MACRO_ENB) {
        loc.ext_macro_enb = Some(r.enb(true)?);
    }
    Ok(loc)
}

/// Geographic location type octets of 3GPP-User-Location-Info (TS 29.061 §16.4.7.2).
pub mod geo_type {
    pub const CGI: u8 = 0;
    pub const SAI: u8 = 1;
    pub const RAI: u8 = 2;
    pub const TAI: u8 = 128;
    pub const ECGI: u8 = 129;
    pub const TAI_ECGI: u8 = 130;
}

/// Decode the 3GPP-User-Location-Info form (TS 29.061 §16.4.7.2): a type octet (0 CGI, 1 SAI,
/// 2 RAI, 128 TAI, 129 ECGI, 130 TAI then ECGI), then the identity. Other types are
/// [`UliError::UnknownType`]; bytes after the identity are ignored.
pub fn parse_geographic_location(body: &[u8]) -> Result<Location, UliError> {
    let mut r = Reader { data: body, pos: 0 };
    let [ty] = r.take::<1>()?;
    let mut loc = Location::default();
    match ty {
        geo_type::CGI => loc.cgi = Some(r.cgi()?),
        geo_type::SAI => loc.sai = Some(r.sai()?),
        geo_type::RAI => loc.rai = Some(r.rai()?),
        geo_type::TAI => loc.tai = Some(r.tai()?),
        geo_type::ECGI => loc.ecgi = Some(r.ecgi()?),
        geo_type::TAI_ECGI => {
            loc.tai = Some(r.tai()?);
            loc.ecgi = Some(r.ecgi()?);
        }
        other => return Err(UliError::UnknownType(other)),
    }
    Ok(loc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// MCC 001, MNC 01 (2 digits).
    const PLMN_001_01: [u8; 3] = [0x00, 0xf1, 0x10];
    /// MCC 310, MNC 410 (3 digits): 0x13, 0x00 (MNC3=0, MCC3=0), 0x14.
    const PLMN_310_410: [u8; 3] = [0x13, 0x00, 0x14];

    #[test]
    fn plmn_two_and_three_digit_mnc() {
        let p = Plmn::from_tbcd(PLMN_001_01).unwrap();
        assert_eq!(
            p,
            Plmn {
                mcc: 1,
                mnc: 1,
                mnc_digits: 2
            }
        );
        assert_eq!(p.to_string(), "001-01");
        let p = Plmn::from_tbcd(PLMN_310_410).unwrap();
        assert_eq!(
            p,
            Plmn {
                mcc: 310,
                mnc: 410,
                mnc_digits: 3
            }
        );
        assert_eq!(p.to_string(), "310-410");
        // MCC 001, MNC 001: MNC3 nibble 1.
        let p = Plmn::from_tbcd([0x00, 0x11, 0x00]).unwrap();
        assert_eq!(p.to_string(), "001-001");
        // 262-01 (Germany).
        assert_eq!(
            Plmn::from_tbcd([0x62, 0xf2, 0x10]).unwrap().to_string(),
            "262-01"
        );
    }

    #[test]
    fn plmn_bad_digits() {
        assert_eq!(Plmn::from_tbcd([0x0a, 0xf1, 0x10]), Err(UliError::BadTbcd));
        assert_eq!(Plmn::from_tbcd([0x00, 0xfb, 0x10]), Err(UliError::BadTbcd));
        assert_eq!(Plmn::from_tbcd([0x00, 0xf1, 0xf0]), Err(UliError::BadTbcd));
        assert_eq!(Plmn::from_tbcd([0x00, 0xe1, 0x10]), Err(UliError::BadTbcd));
    }

    #[test]
    fn gtpv2_tai_ecgi() {
        let body = [
            0x18, // TAI + ECGI
            0x00, 0xf1, 0x10, 0x12, 0x34, // TAI 001-01 tac 0x1234
            0x00, 0xf1, 0x10, 0xf1, 0x23, 0x45, 0x67, // ECGI, spare bits set
        ];
        let loc = parse_gtpv2_uli(&body).unwrap();
        let plmn = Plmn::from_tbcd(PLMN_001_01).unwrap();
        assert_eq!(loc.tai, Some(Tai { plmn, tac: 0x1234 }));
        assert_eq!(
            loc.ecgi,
            Some(Ecgi {
                plmn,
                eci: 0x0123_4567
            })
        );
        assert_eq!(loc.cgi, None);
        assert_eq!(loc.cell().as_deref(), Some("ecgi:001-01-19088743"));
        for n in 0..body.len() {
            assert_eq!(parse_gtpv2_uli(&body[..n]), Err(UliError::Truncated), "{n}");
        }
    }

    #[test]
    fn gtpv2_all_fields_in_order() {
        let mut body = vec![0xff];
        body.extend_from_slice(&PLMN_310_410);
        body.extend_from_slice(&[0x00, 0x01, 0x00, 0x02]); // CGI lac 1 ci 2
        body.extend_from_slice(&PLMN_310_410);
        body.extend_from_slice(&[0x00, 0x03, 0x00, 0x04]); // SAI lac 3 sac 4
        body.extend_from_slice(&PLMN_310_410);
        body.extend_from_slice(&[0x00, 0x05, 0x06, 0xff]); // RAI lac 5 rac 6
        body.extend_from_slice(&PLMN_310_410);
        body.extend_from_slice(&[0x00, 0x07]); // TAI
        body.extend_from_slice(&PLMN_310_410);
        body.extend_from_slice(&[0x00, 0x00, 0x00, 0x08]); // ECGI
        body.extend_from_slice(&PLMN_310_410);
        body.extend_from_slice(&[0x00, 0x09]); // LAI
        body.extend_from_slice(&PLMN_310_410);
        body.extend_from_slice(&[0xff, 0xff, 0xff]); // macro eNB: 20 bits
        body.extend_from_slice(&PLMN_310_410);
        body.extend_from_slice(&[0x9f, 0xff, 0xff]); // ext macro: SMeNB, 18 bits
        body.push(0xaa); // trailing, ignored
        let loc = parse_gtpv2_uli(&body).unwrap();
        let plmn = Plmn::from_tbcd(PLMN_310_410).unwrap();
        assert_eq!(
            loc.cgi,
            Some(Cgi {
                plmn,
                lac: 1,
                ci: 2
            })
        );
        assert_eq!(
            loc.sai,
            Some(Sai {
                plmn,
                lac: 3,
                sac: 4
            })
        );
        assert_eq!(
            loc.rai,
            Some(Rai {
                plmn,
                lac: 5,
                rac: 6
            })
        );
        assert_eq!(loc.tai, Some(Tai { plmn, tac: 7 }));
        assert_eq!(loc.ecgi, Some(Ecgi { plmn, eci: 8 }));
        assert_eq!(loc.lai, Some(Lai { plmn, lac: 9 }));
        assert_eq!(
            loc.macro_enb,
            Some(EnbId {
                plmn,
                id: 0xfffff,
                short_macro: false
            })
        );
        assert_eq!(
            loc.ext_macro_enb,
            Some(EnbId {
                plmn,
                id: 0x3ffff,
                short_macro: true
            })
        );
        assert_eq!(loc.cell().as_deref(), Some("ecgi:310-410-8"));
    }

    #[test]
    fn cell_fallbacks() {
        let plmn = Plmn::from_tbcd(PLMN_001_01).unwrap();
        let mut loc = Location {
            sai: Some(Sai {
                plmn,
                lac: 10,
                sac: 20,
            }),
            ..Location::default()
        };
        assert_eq!(loc.cell().as_deref(), Some("sai:001-01-10-20"));
        loc.cgi = Some(Cgi {
            plmn,
            lac: 10,
            ci: 30,
        });
        assert_eq!(loc.cell().as_deref(), Some("cgi:001-01-10-30"));
        let tai_only = Location {
            tai: Some(Tai { plmn, tac: 1 }),
            ..Location::default()
        };
        assert_eq!(tai_only.cell(), None);
        assert!(Location::default().is_empty());
        assert!(!tai_only.is_empty());
    }

    #[test]
    fn geographic_location_types() {
        let plmn = Plmn::from_tbcd(PLMN_001_01).unwrap();
        let loc =
            parse_geographic_location(&[0, 0x00, 0xf1, 0x10, 0x00, 0x01, 0x00, 0x02]).unwrap();
        assert_eq!(
            loc.cgi,
            Some(Cgi {
                plmn,
                lac: 1,
                ci: 2
            })
        );
        assert_eq!(loc.cell().as_deref(), Some("cgi:001-01-1-2"));
        let loc =
            parse_geographic_location(&[1, 0x00, 0xf1, 0x10, 0x00, 0x01, 0x00, 0x03]).unwrap();
        assert_eq!(
            loc.sai,
            Some(Sai {
                plmn,
                lac: 1,
                sac: 3
            })
        );
        let loc =
            parse_geographic_location(&[2, 0x00, 0xf1, 0x10, 0x00, 0x01, 0x04, 0xff]).unwrap();
        assert_eq!(
            loc.rai,
            Some(Rai {
                plmn,
                lac: 1,
                rac: 4
            })
        );
        let loc = parse_geographic_location(&[128, 0x00, 0xf1, 0x10, 0xab, 0xcd]).unwrap();
        assert_eq!(loc.tai, Some(Tai { plmn, tac: 0xabcd }));
        let loc = parse_geographic_location(&[129, 0x00, 0xf1, 0x10, 0, 0, 1, 2]).unwrap();
        assert_eq!(loc.ecgi, Some(Ecgi { plmn, eci: 258 }));
        let both = [
            130, 0x00, 0xf1, 0x10, 0x00, 0x05, 0x00, 0xf1, 0x10, 0x00, 0x10, 0x00, 0x01,
        ];
        let loc = parse_geographic_location(&both).unwrap();
        assert_eq!(loc.tai, Some(Tai { plmn, tac: 5 }));
        assert_eq!(
            loc.ecgi,
            Some(Ecgi {
                plmn,
                eci: 0x0010_0001
            })
        );
        assert_eq!(loc.cell().as_deref(), Some("ecgi:001-01-1048577"));
        for n in 0..both.len() {
            assert_eq!(
                parse_geographic_location(&both[..n]),
                Err(UliError::Truncated)
            );
        }
        assert_eq!(
            parse_geographic_location(&[7, 0, 0, 0]),
            Err(UliError::UnknownType(7))
        );
        assert_eq!(
            parse_geographic_location(&[128, 0xff, 0xff, 0xff, 0, 1]),
            Err(UliError::BadTbcd)
        );
        assert_eq!(UliError::UnknownType(7).name(), "uli_unknown_type");
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(loc) = parse_gtpv2_uli(&data) {
                let _ = loc.cell();
            }
            if let Ok(loc) = parse_geographic_location(&data) {
                let _ = loc.cell();
            }
        }
    }
}
