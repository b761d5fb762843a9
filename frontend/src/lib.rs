//! The WASM entry point: hydrates the islands of the server-rendered page (the forms and
//! the status check). Everything else on a page is plain HTML from the server.

// The islands are exported from the app crate; this makes sure it is linked in.
extern crate app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
