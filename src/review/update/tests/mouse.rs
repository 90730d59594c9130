//! The mouse: clicks select, the wheel scrolls.

use super::helpers::*;

#[test]
fn a_click_opens_a_session_and_the_wheel_scrolls() {
    let mut m = loaded(120, 40);
    let a = m.areas().unwrap();
    let list = a.session_list();
    let fx = update(
        &mut m,
        Action::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: list.x + 2,
            row: list.y + 2,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(m.open.as_deref(), Some("ses_b"));
    serve_demo(&mut m, fx);
    assert_eq!(cursor_id(&m).as_deref(), Some("b2"));
}
