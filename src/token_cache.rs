//! A person's refresh token kept between sessions, when the caller asks for
//! it (`tokenCache`; `Connect-GroupWriteback -ContextScope CurrentUser`),
//! and only where it can be protected: on Windows with DPAPI
//! (`CryptProtectData` for the current user,
//! https://learn.microsoft.com/en-us/windows/win32/api/dpapi/nf-dpapi-cryptprotectdata),
//! as MSAL protects its token cache there. Elsewhere a cache is refused:
//! a refresh token in a file only the file's permissions protect would be
//! readable by anything that runs as the user or reads their backups.
//!
//! The file holds one entry per sign-in (authority, tenant, client, scope),
//! all of them encrypted together; nothing in it is readable without the
//! user's Windows credentials on that machine.

use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zeroize::Zeroize;

/// Why a cache cannot be used here, for the caller (no secret in it).
pub const UNSUPPORTED: &str = "a token cache is written only where it can be protected, with DPAPI, which only Windows has: \
     on Linux and macOS each session signs in again (leave out the token cache / -ContextScope CurrentUser)";

/// The refresh token cache of one sign-in.
pub struct TokenCache {
    path: PathBuf,
    key: String,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache").field("path", &self.path).finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
struct Entries {
    version: u32,
    entries: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    key: String,
    refresh_token: String,
}

impl Drop for Entries {
    fn drop(&mut self) {
        for e in &mut self.entries {
            e.refresh_token.zeroize();
        }
    }
}

impl TokenCache {
    /// The cache at `path` for the sign-in `key` (authority, tenant, client
    /// and scope); refused where it could not be protected.
    pub fn open(path: &Path, key: String) -> Result<TokenCache, String> {
        if !protection::AVAILABLE {
            return Err(UNSUPPORTED.to_string());
        }
        if path.as_os_str().is_empty() || path.is_dir() {
            return Err(format!("the token cache {} is not a file path", path.display()));
        }
        Ok(TokenCache { path: path.to_path_buf(), key })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The refresh token kept for this sign-in, if any. A file that cannot
    /// be read or decrypted (another user's, damaged) counts as none.
    pub fn load(&self) -> Option<Secret> {
        let entries = self.read();
        entries.entries.iter().find(|e| e.key == self.key).map(|e| Secret::new(e.refresh_token.clone()))
    }

    /// Keeps `refresh_token` for this sign-in (replacing the one kept).
    pub fn save(&self, refresh_token: &Secret) -> Result<(), String> {
        let mut entries = self.read();
        entries.entries.retain(|e| e.key != self.key);
        entries.entries.push(Entry { key: self.key.clone(), refresh_token: refresh_token.expose().to_string() });
        self.write(&entries)
    }

    /// Forgets this sign-in's refresh token (the service refused it).
    pub fn forget(&self) {
        let mut entries = self.read();
        let before = entries.entries.len();
        entries.entries.retain(|e| e.key != self.key);
        if entries.entries.len() != before {
            let _ = self.write(&entries);
        }
    }

    fn read(&self) -> Entries {
        let blob = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(_) => return Entries { version: 1, entries: Vec::new() },
        };
        match protection::unprotect(&blob) {
            Ok(mut plain) => {
                let parsed = serde_json::from_slice::<Entries>(&plain).unwrap_or(Entries { version: 1, entries: Vec::new() });
                plain.zeroize();
                parsed
            }
            Err(_) => Entries { version: 1, entries: Vec::new() },
        }
    }

    fn write(&self, entries: &Entries) -> Result<(), String> {
        let mut plain = serde_json::to_vec(entries).map_err(|e| format!("cannot write the token cache: {}", e))?;
        let blob = protection::protect(&plain);
        plain.zeroize();
        let blob = blob.map_err(|e| format!("cannot protect the token cache: {}", e))?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {}", dir.display(), e))?;
        }
        // A whole file or none: written beside, then renamed over the old.
        let mut temp = self.path.clone().into_os_string();
        temp.push(format!(".{}.tmp", std::process::id()));
        let temp = PathBuf::from(temp);
        std::fs::write(&temp, &blob).map_err(|e| format!("cannot write {}: {}", temp.display(), e))?;
        std::fs::rename(&temp, &self.path).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            format!("cannot replace {}: {}", self.path.display(), e)
        })
    }
}

#[cfg(windows)]
mod protection {
    //! DPAPI for the current user, with the library's own entropy so that
    //! another program's `CryptUnprotectData` of the file needs to know it.
    use std::ffi::c_void;

    pub(super) const AVAILABLE: bool = true;
    const ENTROPY: &[u8] = b"group-writeback token cache v1";
    /// https://learn.microsoft.com/en-us/windows/win32/api/dpapi/nf-dpapi-cryptprotectdata
    const CRYPTPROTECT_UI_FORBIDDEN: u32 = 0x1;

    #[repr(C)]
    struct DataBlob {
        cb_data: u32,
        pb_data: *mut u8,
    }

    #[link(name = "crypt32")]
    extern "system" {
        fn CryptProtectData(
            data_in: *const DataBlob,
            description: *const u16,
            entropy: *const DataBlob,
            reserved: *mut c_void,
            prompt: *mut c_void,
            flags: u32,
            data_out: *mut DataBlob,
        ) -> i32;
        fn CryptUnprotectData(
            data_in: *const DataBlob,
            description: *mut *mut u16,
            entropy: *const DataBlob,
            reserved: *mut c_void,
            prompt: *mut c_void,
            flags: u32,
            data_out: *mut DataBlob,
        ) -> i32;
    }
    #[link(name = "kernel32")]
    extern "system" {
        fn LocalFree(mem: *mut c_void) -> *mut c_void;
        fn GetLastError() -> u32;
    }

    fn blob(bytes: &[u8]) -> Result<DataBlob, String> {
        let len = u32::try_from(bytes.len()).map_err(|_| "the data is too large".to_string())?;
        Ok(DataBlob { cb_data: len, pb_data: bytes.as_ptr() as *mut u8 })
    }

    fn call(
        f: unsafe extern "system" fn(*const DataBlob, *mut *mut u16, *const DataBlob, *mut c_void, *mut c_void, u32, *mut DataBlob) -> i32,
        data: &[u8],
    ) -> Result<Vec<u8>, String> {
        let input = blob(data)?;
        let entropy = blob(ENTROPY)?;
        let mut out = DataBlob { cb_data: 0, pb_data: std::ptr::null_mut() };
        // SAFETY: the input and entropy blobs point at live slices for the
        // call; DPAPI allocates the output with LocalAlloc, freed below after
        // it is copied (and wiped).
        let ok = unsafe { f(&input, std::ptr::null_mut(), &entropy, std::ptr::null_mut(), std::ptr::null_mut(), CRYPTPROTECT_UI_FORBIDDEN, &mut out) };
        if ok == 0 || out.pb_data.is_null() {
            // SAFETY: no arguments.
            return Err(format!("DPAPI error {}", unsafe { GetLastError() }));
        }
        // SAFETY: DPAPI returned cb_data bytes at pb_data.
        let bytes = unsafe { std::slice::from_raw_parts_mut(out.pb_data, out.cb_data as usize) };
        let copy = bytes.to_vec();
        zeroize::Zeroize::zeroize(bytes);
        // SAFETY: allocated by DPAPI with LocalAlloc.
        unsafe { LocalFree(out.pb_data as *mut c_void) };
        Ok(copy)
    }

    unsafe extern "system" fn protect_fn(
        data_in: *const DataBlob,
        _description: *mut *mut u16,
        entropy: *const DataBlob,
        reserved: *mut c_void,
        prompt: *mut c_void,
        flags: u32,
        data_out: *mut DataBlob,
    ) -> i32 {
        // SAFETY: forwarded as given; the description is none.
        unsafe { CryptProtectData(data_in, std::ptr::null(), entropy, reserved, prompt, flags, data_out) }
    }

    pub fn protect(plain: &[u8]) -> Result<Vec<u8>, String> {
        call(protect_fn, plain)
    }

    pub fn unprotect(protected: &[u8]) -> Result<Vec<u8>, String> {
        call(CryptUnprotectData, protected)
    }
}

#[cfg(not(windows))]
mod protection {
    //! No protection this library can rely on: a cache is refused
    //! ([`super::UNSUPPORTED`]), and nothing is ever written.
    pub(super) const AVAILABLE: bool = false;

    pub fn protect(_plain: &[u8]) -> Result<Vec<u8>, String> {
        Err(super::UNSUPPORTED.to_string())
    }

    pub fn unprotect(_protected: &[u8]) -> Result<Vec<u8>, String> {
        Err(super::UNSUPPORTED.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(not(windows))]
    #[test]
    fn refused_where_it_cannot_be_protected() {
        let path = std::env::temp_dir().join(format!("gwb-token-cache-{}", std::process::id()));
        let e = TokenCache::open(&path, "k".into()).unwrap_err();
        assert!(e.contains("DPAPI") && e.contains("only Windows"), "{e}");
        assert!(!path.exists());
    }

    #[cfg(windows)]
    #[test]
    fn kept_encrypted_per_sign_in_and_forgotten() {
        let dir = std::env::temp_dir().join(format!("gwb-token-cache-{}", std::process::id()));
        let path = dir.join("cache.dat");
        let a = TokenCache::open(&path, "a".into()).unwrap();
        let b = TokenCache::open(&path, "b".into()).unwrap();
        assert!(a.load().is_none());
        a.save(&Secret::new("refresh-a-5e1f".to_string())).unwrap();
        b.save(&Secret::new("refresh-b-77c2".to_string())).unwrap();
        a.save(&Secret::new("refresh-a2-9d3b".to_string())).unwrap();
        assert_eq!(a.load().unwrap().expose(), "refresh-a2-9d3b");
        assert_eq!(b.load().unwrap().expose(), "refresh-b-77c2");
        let raw = std::fs::read(&path).unwrap();
        for plain in [&b"refresh-"[..], b"refreshToken", b"\"a\""] {
            assert!(!raw.windows(plain.len()).any(|w| w == plain), "the file holds {:?} in clear", String::from_utf8_lossy(plain));
        }
        a.forget();
        assert!(a.load().is_none());
        assert_eq!(b.load().unwrap().expose(), "refresh-b-77c2");
        // A damaged file counts as empty, and is replaced at the next save.
        std::fs::write(&path, b"not a protected blob").unwrap();
        assert!(b.load().is_none());
        b.save(&Secret::new("refresh-b2".to_string())).unwrap();
        assert_eq!(b.load().unwrap().expose(), "refresh-b2");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
