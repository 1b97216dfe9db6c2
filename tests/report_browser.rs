//! The HTML report in a real browser: `report.html` of a passing rehearsal (byo-uuid) and
//! of a failing one (byo-uuid-wrong-down) loads in headless Chromium with no console or
//! JavaScript error, shows the verdict and every check, and draws every chart with a size.
//! The screenshots stay in `target/tmp/report-browser/` as test artefacts.
//!
//! Chromium is Debian's `chromium` package (installed by `.ci/run`), or PGREHEARSE_CHROMIUM.
//! Without one the test says SKIPPED, except under CI=true, where it fails.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::{Browser, LaunchOptions};
use serde::Deserialize;

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PGREHEARSE_CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// What the page shows, measured by the browser's layout.
#[derive(Debug, Deserialize)]
struct Rendered {
    verdict: Option<Shown>,
    checks: Vec<Shown>,
    charts: Vec<Shown>,
}

#[derive(Debug, Deserialize)]
struct Shown {
    /// The check's id, the chart's label, or empty for the verdict.
    name: String,
    text: String,
    width: f64,
    height: f64,
    /// Neither `display: none` nor `visibility: hidden`, and a non-empty box.
    visible: bool,
}

const MEASURE: &str = r#"JSON.stringify((() => {
  const shown = (el, name) => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return { name, text: el.textContent.trim(), width: r.width, height: r.height,
             visible: s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0 };
  };
  const verdict = document.querySelector('.verdict');
  return {
    verdict: verdict ? shown(verdict, '') : null,
    checks: [...document.querySelectorAll('h3[id]')].map(h => shown(h, h.id)),
    charts: [...document.querySelectorAll('svg')].map(s => shown(s, s.getAttribute('aria-label') || '')),
  };
})())"#;

/// Loads one report, collects every console error and uncaught exception, measures the
/// page, and saves a screenshot.
fn render(browser: &Browser, html: &Path, screenshot: &Path) -> (Rendered, Vec<String>) {
    let tab = browser.new_tab().unwrap();
    let errors = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&errors);
    tab.enable_log().unwrap().enable_runtime().unwrap();
    tab.add_event_listener(Arc::new(move |event: &Event| {
        let error = match event {
            Event::RuntimeExceptionThrown(e) => Some(format!("exception: {}", e.params.exception_details.text)),
            Event::RuntimeConsoleAPICalled(e) if format!("{:?}", e.params.Type) == "Error" => Some(format!("console.error: {:?}", e.params.args)),
            Event::LogEntryAdded(e) if format!("{:?}", e.params.entry.level) == "Error" => Some(format!("log: {}", e.params.entry.text)),
            _ => None,
        };
        sink.lock().unwrap().extend(error);
    }))
    .unwrap();
    let url = url::Url::from_file_path(html).unwrap();
    tab.navigate_to(url.as_str()).unwrap().wait_until_navigated().unwrap();
    let measured = tab.evaluate(MEASURE, false).unwrap().value.expect("the page returns its measurements");
    let rendered: Rendered = serde_json::from_str(measured.as_str().unwrap()).unwrap();
    let png = tab.capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true).unwrap();
    std::fs::write(screenshot, png).unwrap();
    let errors = errors.lock().unwrap().clone();
    let _ = tab.close(true);
    (rendered, errors)
}

#[test]
fn the_html_reports_of_a_pass_and_a_fail_render_in_chromium() {
    let Some(chromium) = chromium() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("the browser check cannot run under CI=true: no chromium on PATH (apt-get install chromium, or set PGREHEARSE_CHROMIUM)");
        }
        eprintln!("SKIPPED the_html_reports_of_a_pass_and_a_fail_render_in_chromium: no chromium on PATH");
        return;
    };
    let artefacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-browser");
    let _ = std::fs::remove_dir_all(&artefacts);
    std::fs::create_dir_all(&artefacts).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pgrehearse"))
        .args(["run", "scenarios/byo-uuid.toml", "scenarios/byo-uuid-wrong-down.toml", "--quiet", "--format", "json", "--out"])
        .arg(&artefacts)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "one of the two fails: {}", String::from_utf8_lossy(&out.stderr));

    // Chromium and the driver put their profile and singleton directories under TMPDIR:
    // keep them in a directory this test owns, removed when it ends (this binary runs
    // only this test, so no other thread reads the variable).
    let browser_tmp = tempfile::tempdir().unwrap();
    std::env::set_var("TMPDIR", browser_tmp.path());
    // Chromium refuses to run as root inside its sandbox.
    let as_root = unsafe { libc::geteuid() } == 0;
    let options = LaunchOptions::default_builder()
        .path(Some(chromium))
        .sandbox(!as_root)
        .window_size(Some((1100, 1600)))
        .idle_browser_timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let browser = Browser::new(options).unwrap();
    let mut verdicts = Vec::new();
    for scenario in ["byo-uuid", "byo-uuid-wrong-down"] {
        let dir = artefacts.join(scenario);
        let report: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
        let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
        let (rendered, errors) = render(&browser, &dir.join("report.html"), &artefacts.join(format!("{scenario}.png")));
        assert!(errors.is_empty(), "{scenario}: the page logged errors: {errors:?}");

        let verdict = rendered.verdict.as_ref().unwrap_or_else(|| panic!("{scenario}: no verdict on the page"));
        let label = report["verdict"].as_str().unwrap().to_uppercase();
        assert!(verdict.visible && verdict.text.contains(&label), "{scenario}: verdict {label} not shown: {verdict:?}");
        verdicts.push(label);

        let checks = report["checks"].as_array().unwrap();
        assert!(!checks.is_empty(), "{scenario}: the report has checks");
        for check in checks {
            let name = check["check"].as_str().unwrap();
            let shown = rendered.checks.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("{scenario}: check {name} missing from the page"));
            let status = check["status"].as_str().unwrap();
            assert!(shown.visible && shown.text.to_lowercase().contains(status), "{scenario}: check {name} ({status}) not shown: {shown:?}");
        }
        assert_eq!(rendered.charts.len(), html.matches("<svg").count(), "{scenario}: every chart in the file is in the page");
        assert!(!rendered.charts.is_empty(), "{scenario}: the report has charts");
        for chart in &rendered.charts {
            assert!(chart.visible && chart.width > 0.0 && chart.height > 0.0, "{scenario}: chart {:?} has no size: {chart:?}", chart.name);
        }
        let png = std::fs::metadata(artefacts.join(format!("{scenario}.png"))).unwrap();
        assert!(png.len() > 10_000, "{scenario}: the screenshot has content ({} bytes)", png.len());
    }
    assert_eq!(verdicts, ["PASS", "FAIL"], "one passing and one failing report");
}
