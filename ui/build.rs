fn main() {
    slint_build::compile("ui/main.slint").expect("the .slint files compile");
}
