//! What load errors say: the refresh key in force, once, and the server's words as sent.

use super::helpers::*;

#[test]
fn load_errors_name_the_refresh_key_in_force_once() {
    let mut keys = std::collections::BTreeMap::new();
    keys.insert(
        "refresh".to_string(),
        crate::config::KeyList::One("f5".into()),
    );
    let keymap = crate::review::keymap::Keymap::from_config(&keys).unwrap();
    let mut m = model_with(120, 40, keymap, false);
    let fx = crate::review::update::start(&mut m);
    let generation = fx
        .iter()
        .find_map(|e| match e {
            Effect::LoadSessions { generation, .. } => Some(*generation),
            _ => None,
        })
        .unwrap();
    update(
        &mut m,
        Action::SessionsLoaded {
            generation,
            from: PageStart::Offset(0),
            result: Err(ApiError::Network("connection refused".into())),
        },
    );
    let e = m.sessions.error.clone().unwrap();
    assert!(e.contains("press F5"), "{e}");
    assert!(!e.contains("press r"), "{e}");
    assert_eq!(
        e.matches("press").count() + e.matches("Press").count(),
        1,
        "{e}"
    );

    // A refused key cannot be fixed by retrying.
    let generation = m.sessions.generation;
    update(
        &mut m,
        Action::SessionsLoaded {
            generation,
            from: PageStart::Offset(0),
            result: Err(ApiError::Unauthorized(crate::api::ErrorInfo {
                status: 401,
                kind: "UnauthorizedError".into(),
                message: "Invalid API key".into(),
                retry_after: None,
            })),
        },
    );
    let e = m.sessions.error.clone().unwrap();
    assert!(e.contains("restart verdict") && !e.contains("press"), "{e}");
}

#[test]
fn the_servers_own_words_are_never_rewritten_to_name_the_key() {
    let mut keys = std::collections::BTreeMap::new();
    keys.insert(
        "refresh".to_string(),
        crate::config::KeyList::One("f5".into()),
    );
    let keymap = crate::review::keymap::Keymap::from_config(&keys).unwrap();
    let mut m = model_with(120, 40, keymap, false);
    let fx = crate::review::update::start(&mut m);
    let Some(Effect::LoadSessions { generation, .. }) = fx.first() else {
        panic!("{fx:?}")
    };
    let generation = *generation;
    update(
        &mut m,
        Action::SessionsLoaded {
            generation,
            from: PageStart::Offset(0),
            result: Err(ApiError::NotFound(crate::api::ErrorInfo {
                status: 404,
                kind: "NotFoundError".into(),
                message: "Session 'express routes' not found.".into(),
                retry_after: None,
            })),
        },
    );
    let e = m.sessions.error.clone().unwrap();
    assert!(e.starts_with("Session 'express routes' not found"), "{e}");
    assert!(e.ends_with("press F5 to refresh."), "{e}");
}
