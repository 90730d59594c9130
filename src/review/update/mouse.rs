//! The mouse: the wheel scrolls what is under it, a click selects a session or a message.

use super::open_view;
use super::overlays::help;
use super::sessions::{maybe_load_more, move_session, open_session};
use crate::review::action::{Action, Command};
use crate::review::effect::Effect;
use crate::review::model::*;
use crate::review::scroll;
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

/// Lines the mouse wheel scrolls the transcript per notch.
const WHEEL_LINES: usize = 3;

pub(super) fn mouse(m: &mut Model, ev: MouseEvent, fx: &mut Vec<Effect>) {
    if !matches!(m.mode, Mode::Browse) {
        if matches!(m.mode, Mode::Help { .. }) {
            let step = match ev.kind {
                MouseEventKind::ScrollDown => Command::Down,
                MouseEventKind::ScrollUp => Command::Up,
                _ => return,
            };
            for _ in 0..WHEEL_LINES {
                help(m, Action::Command(step));
            }
        }
        return;
    }
    let Some(a) = m.areas() else { return };
    let (col, row) = (ev.column, ev.row);
    let in_sessions = a.sessions.contains((col, row).into());
    let in_transcript = a.transcript.contains((col, row).into());
    match ev.kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let down = ev.kind == MouseEventKind::ScrollDown;
            if in_sessions {
                let cmd = if down { Command::Down } else { Command::Up };
                move_session(m, cmd, fx);
            } else if in_transcript && let Some((t, look, h)) = open_view(m) {
                if down {
                    scroll::down(t, WHEEL_LINES, look);
                    scroll::clamp(t, h, look);
                } else {
                    scroll::up(t, WHEEL_LINES, look);
                }
            }
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(r) = a.session_row_at(col, row) {
                let pos = m.sessions.offset + r;
                if let Some(id) = m
                    .sessions
                    .visible
                    .get(pos)
                    .map(|&i| m.sessions.rows[i].id.clone())
                {
                    m.focus = Pane::Sessions;
                    m.sessions.selected = pos;
                    m.jump = None;
                    open_session(m, &id, fx);
                    maybe_load_more(m, fx);
                }
            } else if let Some(line) = a.transcript_line_at(col, row) {
                m.focus = Pane::Transcript;
                if let Some((t, look, _)) = open_view(m)
                    && let Some((i, _)) = scroll::line_at(t, line, look)
                    && t.selectable(i)
                {
                    t.cursor = Some(i);
                    t.cursor_auto = false;
                    t.advanced = false;
                    m.jump = None;
                }
            } else if in_sessions {
                m.focus = Pane::Sessions;
            }
        }
        _ => {}
    }
}
