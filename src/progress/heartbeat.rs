//! The line a long step prints every [`super::HEARTBEAT`] in a log, from its own thread,
//! so a step busy in one long query still says it is alive.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::{line, Output, StepState};

pub(super) struct Heartbeat {
    stop: Mutex<Option<(Sender<()>, JoinHandle<()>)>>,
}

impl Heartbeat {
    pub(super) fn start(out: Arc<Output>, state: Arc<StepState>) -> Heartbeat {
        let (sender, receiver) = mpsc::channel::<()>();
        let every = out.heartbeat;
        let thread = std::thread::spawn(move || loop {
            match receiver.recv_timeout(every) {
                Err(RecvTimeoutError::Timeout) => out.line(&line::running(&state.snapshot())),
                _ => return,
            }
        });
        Heartbeat { stop: Mutex::new(Some((sender, thread))) }
    }

    /// Stops the heartbeat and waits for its thread, so no heartbeat follows the end line.
    pub(super) fn stop(&self) {
        let taken = self.stop.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some((sender, thread)) = taken {
            drop(sender);
            let _ = thread.join();
        }
    }
}
