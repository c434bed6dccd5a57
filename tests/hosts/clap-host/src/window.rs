//! The host's own X11 top-level window, the parent a plugin embeds its editor into (as a DAW
//! gives one), on the host's own connection; its events are drained on the main thread.

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    AtomEnum, ConfigureWindowAux, ConnectionExt, CreateWindowAux, EventMask, PropMode, WindowClass,
};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

pub struct HostWindow {
    conn: RustConnection,
    pub id: u32,
}

impl HostWindow {
    /// A mapped top-level window of `width` x `height` named `title` (WM_NAME).
    pub fn open(width: u32, height: u32, title: &str) -> Result<Self, String> {
        let (conn, screen_num) = RustConnection::connect(None).map_err(|e| e.to_string())?;
        let screen = &conn.setup().roots[screen_num];
        let id = conn.generate_id().map_err(|e| e.to_string())?;
        let aux = CreateWindowAux::new()
            .background_pixel(screen.white_pixel)
            .event_mask(EventMask::STRUCTURE_NOTIFY | EventMask::EXPOSURE);
        conn.create_window(
            screen.root_depth,
            id,
            screen.root,
            0,
            0,
            width.max(1) as u16,
            height.max(1) as u16,
            0,
            WindowClass::INPUT_OUTPUT,
            screen.root_visual,
            &aux,
        )
        .map_err(|e| e.to_string())?;
        conn.change_property8(PropMode::REPLACE, id, AtomEnum::WM_NAME, AtomEnum::STRING, title.as_bytes())
            .map_err(|e| e.to_string())?;
        conn.map_window(id).map_err(|e| e.to_string())?;
        conn.sync().map_err(|e| e.to_string())?;
        Ok(Self { conn, id })
    }

    pub fn resize(&self, width: u32, height: u32) -> Result<(), String> {
        let aux = ConfigureWindowAux::new().width(width.max(1)).height(height.max(1));
        self.conn.configure_window(self.id, &aux).map_err(|e| e.to_string())?;
        self.conn.sync().map_err(|e| e.to_string())
    }

    /// Drain pending events (the host does nothing with them but must read them).
    pub fn pump(&self) {
        while let Ok(Some(_)) = self.conn.poll_for_event() {}
    }
}

impl Drop for HostWindow {
    fn drop(&mut self) {
        let _ = self.conn.destroy_window(self.id);
        let _ = self.conn.sync();
    }
}
