fn main() {
    // Debug info lets the UI tests find elements by their accessible labels.
    let config = slint_build::CompilerConfiguration::new().with_debug_info(true);
    slint_build::compile_with_config("ui/main.slint", config).expect("the .slint files compile");
}
