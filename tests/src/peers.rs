//! Independent implementations Jiesu is checked against: Python (the `georeport` Open311
//! client, `jsonschema`, `wechatpy`, `openapi-spec-validator`) and Node.js (Code for America's `open311` client). They are
//! installed on first use under `target/test-env/`, from PyPI and the npm registry, and reused
//! until their requirements change. A file lock makes parallel test processes wait for one setup.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn env_dir() -> PathBuf {
    workspace().join("target/test-env")
}

/// Runs `setup` once across processes: an exclusive lock on `target/test-env/<name>.lock`.
fn locked<T>(name: &str, setup: impl FnOnce() -> T) -> T {
    fs::create_dir_all(env_dir()).expect("create target/test-env");
    let lock = File::create(env_dir().join(format!("{name}.lock"))).expect("lock file");
    lock.lock().expect("take the setup lock");
    let out = setup();
    drop(lock);
    out
}

pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A Python with the tests' pinned packages (`tests/open311` and `tests/wechat`).
pub fn python() -> PathBuf {
    let files = [
        workspace().join("tests/open311/requirements.txt"),
        workspace().join("tests/wechat/requirements.txt"),
    ];
    venv("python", &files)
}

/// A Python with `openapi-spec-validator` (`tests/openapi/requirements.txt`), in a venv of its own.
pub fn openapi_python() -> PathBuf {
    venv("openapi", &[workspace().join("tests/openapi/requirements.txt")])
}

/// The venv `target/test-env/<name>` with these requirement files installed; made again when
/// they change.
fn venv(name: &str, files: &[PathBuf]) -> PathBuf {
    locked(name, || {
        let venv = env_dir().join(name);
        let wanted: String =
            files.iter().map(|f| fs::read_to_string(f).expect("requirements file")).collect();
        let marker = venv.join("installed-requirements.txt");
        let python = venv.join("bin/python");
        if fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) && python.exists() {
            return python;
        }
        let _ = fs::remove_dir_all(&venv);
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
        for f in files {
            run(Command::new(&python)
                .args(["-m", "pip", "install", "-q", "--disable-pip-version-check", "-r"])
                .arg(f));
        }
        fs::write(&marker, wanted).expect("write the marker");
        python
    })
}

const NODE_OPEN311: &str = "open311@0.0.12";

/// A folder whose `node_modules` holds the npm `open311` client with its JSON-path dependencies.
/// Its XML parsers (`sparkxml`, a GitHub git dependency, and `xml2json`, a native module) cannot
/// be installed here; they are stubbed, and the tests use JSON only.
pub fn node_open311() -> PathBuf {
    locked("node", || {
        let dir = env_dir().join("node");
        let marker = dir.join("installed.txt");
        if fs::read_to_string(&marker).ok().as_deref() == Some(NODE_OPEN311) {
            return dir;
        }
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("node_modules")).expect("create the node folder");
        fs::write(dir.join("package.json"), "{\"name\": \"jiesu-peers\", \"private\": true}")
            .expect("package.json");
        let npm = |args: &[&str]| run(Command::new("npm").args(args).current_dir(&dir));
        npm(&["install", "--no-save", "--no-audit", "--no-fund", "request@2.11.4", "lodash@0.6.1"]);
        let packed = npm(&["pack", "--silent", NODE_OPEN311]);
        let tarball = String::from_utf8_lossy(&packed.stdout).trim().to_owned();
        run(Command::new("tar").args(["xzf", &tarball]).current_dir(&dir));
        fs::rename(dir.join("package"), dir.join("node_modules/open311")).expect("unpack open311");
        for (module, function) in [("sparkxml", "parseXml"), ("xml2json", "toJson")] {
            let stub = dir.join("node_modules").join(module);
            fs::create_dir_all(&stub).expect("stub folder");
            fs::write(
                stub.join("index.js"),
                format!("module.exports = {{ {function}: function () {{ throw new Error('XML is not used by these tests'); }} }};\n"),
            )
            .expect("write the stub");
        }
        fs::write(&marker, NODE_OPEN311).expect("write the marker");
        dir
    })
}
