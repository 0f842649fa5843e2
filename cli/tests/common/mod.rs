//! The harness of the case workflow tests: a registry with a fast profile, users, a child,
//! and a `kamkor` runner with its own clock (`KAMKOR_NOW`).

// Not every test file uses every helper.
#![allow(dead_code, clippy::unwrap_used)]

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
/// A Monday: the clock of every command unless a test moves it.
pub const NOW: &str = "2026-03-02T09:00:00Z";

/// The Kyrgyz profile with cheap password hashing, for speed.
pub fn fast_profile(dir: &Path) -> PathBuf {
    let text = kamkor_core::profile::KYRGYZSTAN_TOML
        .replace("argon2_memory_kib = 19456", "argon2_memory_kib = 1024")
        .replace("argon2_iterations = 2", "argon2_iterations = 1");
    let path = dir.join("fast.toml");
    std::fs::write(&path, text).unwrap();
    path
}

pub struct Kamkor {
    pub registry: PathBuf,
    /// The master key given through `KAMKOR_KEY`.
    pub key: &'static str,
    pub session: Option<String>,
    /// `KAMKOR_NOW`, or the real clock when `None`.
    pub now: Option<String>,
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

impl Kamkor {
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kamkor"));
        c.args(args)
            .env("KAMKOR_REGISTRY", &self.registry)
            .env("KAMKOR_KEY", self.key)
            .env("KAMKOR_LANG", "en")
            .env_remove("KAMKOR_NOW")
            .env_remove("KAMKOR_KEY_FILE")
            .env_remove("KAMKOR_PASSWORD")
            .env_remove("KAMKOR_SESSION");
        if let Some(s) = &self.session {
            c.env("KAMKOR_SESSION", s);
        }
        if let Some(now) = &self.now {
            c.env("KAMKOR_NOW", now);
        }
        c
    }

    pub fn run_with(&self, args: &[&str], stdin: &str) -> Output {
        let mut child =
            self.command(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, "")
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "kamkor {args:?} failed: {}\n{}", text(&out.stderr), text(&out.stdout));
        text(&out.stdout)
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// Runs with `--json`, expects the exit code, returns the error object.
    pub fn refused(&self, args: &[&str], exit: i32) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert_eq!(code(&out), exit, "kamkor {args:?}: {}\n{}", text(&out.stdout), text(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["error"].clone()
    }

    /// Signs a user in with a password and returns the session token.
    pub fn token(&self, user: &str, password: &str) -> String {
        let out =
            self.run_with(&["login", "--user", user, "--password-stdin", "--print-token"], &format!("{password}\n"));
        assert!(out.status.success(), "login {user}: {}", text(&out.stderr));
        text(&out.stdout).trim().to_string()
    }

    /// Signs a user in (at this instance's clock) and acts as them from now on.
    pub fn login(&mut self, user: &str) {
        self.session = Some(self.token(user, &format!("{user}-password-1")));
    }
}

pub fn add_user(k: &Kamkor, login: &str, role: &str, territory: &str, inn: &str) {
    let out = k.run_with(
        &[
            "user",
            "add",
            "--login",
            login,
            "--surname",
            "Токтогулова",
            "--given-name",
            "Жылдыз",
            "--position",
            "Специалист",
            "--agency",
            "Отдел (тест)",
            "--agency-inn",
            inn,
            "--address",
            "с. Лебединовка",
            "--territory",
            territory,
            "--role",
            role,
            "--password-stdin",
        ],
        &format!("{login}-password-1\n"),
    );
    assert!(out.status.success(), "user add {login}: {}", text(&out.stderr));
}

pub const CHILD: &str = r#"{"record": {"surname": "Асанова", "given_name": "Айгүл", "patronymic": "Бакыт кызы", "sex": "female",
  "birth_date": "2015-03-12", "pin": "11203201500123", "identified_on": "2026-01-10", "identified_in": "41708203000000",
  "relatives": [{"relation": "mother", "presence": "abroad_migrant", "surname": "Асанова", "given_name": "Нургүл"}],
  "legal_status": "with_parents", "needs": {"education": "Пропускает занятия"}},
  "provenance": {"source": "education", "received_on": "2026-01-10"}}"#;

/// A registry with an administrator, a specialist in Alamudun raion and the Chui territorial
/// division; the specialist signed in and one child registered. Returns the child's id.
pub fn setup(tmp: &Path) -> (Kamkor, String) {
    let profile = fast_profile(tmp);
    let mut k = Kamkor { registry: tmp.join("reg"), key: KEY, session: None, now: Some(NOW.into()) };
    init(&k, &profile);
    k.login("admin");
    add_user(&k, "spec1", "specialist", "41708203000000", "02008199920003");
    add_user(&k, "chui", "territorial_reader", "41708000000000", "02008199910002");
    k.login("spec1");
    let file = tmp.join("child.json");
    std::fs::write(&file, CHILD).unwrap();
    let child = k.json(&["child", "register", "--file", file.to_str().unwrap()])["id"].as_str().unwrap().to_string();
    (k, child)
}

/// `kamkor init` with the administrator `admin` (password `admin-password-1`).
pub fn init(k: &Kamkor, profile: &Path) {
    let out = k.run_with(
        &[
            "init",
            "--profile",
            profile.to_str().unwrap(),
            "--admin-login",
            "admin",
            "--admin-surname",
            "Осмонов",
            "--admin-given-name",
            "Талант",
            "--admin-position",
            "Администратор",
            "--agency",
            "Министерство (тест)",
            "--agency-inn",
            "01001199910001",
            "--address",
            "г. Бишкек",
            "--password-stdin",
        ],
        "admin-password-1\n",
    );
    assert!(out.status.success(), "init: {}", text(&out.stderr));
}

pub const DOC: [&str; 8] = [
    "--doc-kind",
    "official_conclusion",
    "--doc-number",
    "12",
    "--doc-date",
    "2026-03-01",
    "--doc-issuer",
    "Специалист отдела",
];

pub fn open(k: &Kamkor, child: &str, opening: &str, ground: &str, extra: &[&str]) -> Value {
    let mut args = vec!["case", "open", child, "--opening", opening, "--ground", ground];
    args.extend_from_slice(&DOC);
    args.extend_from_slice(extra);
    k.json(&args)
}

pub fn state(v: &Value) -> &str {
    v["case"]["state"].as_str().unwrap()
}
