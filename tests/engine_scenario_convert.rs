//! `[migration] convert = "rebuild" | "in-place"` chooses the convert method the engine
//! options carry; any other value is refused naming the
//! line and the accepted values.

use pgrehearse::engine::ConvertMethod;
use pgrehearse::scenario::{Migration, Scenario, ScenarioError};

fn load(text: &str) -> Result<Scenario, ScenarioError> {
    let dir = tempfile::tempdir().unwrap();
    Scenario::from_text(&dir.path().join("convert.toml"), text)
}

const HEAD: &str = "name = \"convert\"\nseed = 1\n[schema]\nbuiltin = \"journal\"\n[migration]\nengine = \"uuid\"\nroot = \"users.id\"\n";

#[test]
fn the_convert_method_is_read_checked_and_handed_to_the_engine() {
    for (text, expected) in [("", ConvertMethod::default()), ("convert = \"rebuild\"\n", ConvertMethod::Rebuild), ("convert = \"in-place\"\n", ConvertMethod::InPlace)] {
        let scenario = load(&format!("{HEAD}{text}")).unwrap();
        let Some(Migration::Builtin(engine)) = scenario.migration else { panic!("built-in engine expected") };
        assert_eq!(engine.convert, expected, "{text:?}");
        assert_eq!(engine.engine_options(Vec::new()).convert, expected, "{text:?}");
    }
    let err = load(&format!("{HEAD}convert = \"rebuilt\"\n")).unwrap_err();
    assert_eq!(err.line(), Some(8), "{err}");
    assert!(err.to_string().contains("rebuilt") && err.to_string().contains("\"in-place\""), "{err}");
}
