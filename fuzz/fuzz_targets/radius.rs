//! RADIUS: the pure parser and both authenticator checks on the whole input (the secret and
//! request authenticator are fixed: only "never panics" and the invariants are checked).
#![no_main]
use cemprobe::app::radius::{
    parse, verify_accounting_request, verify_accounting_response, RadiusError, MAX_LENGTH,
};
use cemprobe::app::Parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse(data) {
        Parse::Done { value, consumed } => {
            assert!(consumed <= data.len());
            assert!(consumed <= usize::from(value.length));
            assert!(value.length <= MAX_LENGTH);
            assert!(matches!(
                value.stop,
                None | Some(RadiusError::Truncated | RadiusError::BadAttribute)
            ));
            if let Some(Ok(loc)) = value.tgpp.user_location {
                let _ = loc.cell();
            }
        }
        Parse::NeedMore { needed } => assert!(needed > data.len()),
        Parse::Malformed(e) => assert_eq!(e, RadiusError::BadLength),
    }
    let _ = verify_accounting_request(data, b"secret");
    let _ = verify_accounting_response(data, &[7; 16], b"secret");
});
