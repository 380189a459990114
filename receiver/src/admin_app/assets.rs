//! The app's one stylesheet and one script, inline in every page, and
//! the Content-Security-Policy that allows exactly these two by hash (no
//! other script or style runs, whatever a page shows).

use std::sync::OnceLock;

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The stylesheet: system fonts, dark text on white (contrast well over
/// 4.5:1; links #0645ad on white is 7.4:1), a visible focus ring.
pub const CSS: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a;background:#fff}\
header{background:#1d2b3a;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}\
header a{color:#fff}\
header nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:1rem}\
header nav a[aria-current=page]{font-weight:700;text-decoration:underline}\
header form{margin-left:auto}\
main{padding:1rem;max-width:72rem}\
a{color:#0645ad}\
:focus-visible{outline:3px solid #c60;outline-offset:2px}\
table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}\
th,td{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top}\
th{background:#eef1f4}\
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9rem}\
pre{background:#f4f4f4;border:1px solid #999;padding:.5rem;overflow-x:auto;white-space:pre}\
label{display:block;font-weight:600;margin-top:.5rem}\
input,select,textarea{font:inherit;padding:.25rem;border:1px solid #555;border-radius:3px;max-width:100%}\
textarea{width:100%;min-height:8rem;font-family:ui-monospace,Menlo,Consolas,monospace}\
button{font:inherit;padding:.3rem .8rem;border:1px solid #1d2b3a;border-radius:3px;background:#1d2b3a;color:#fff;cursor:pointer}\
button.secondary{background:#fff;color:#1d2b3a}\
button.danger{background:#a40000;border-color:#a40000}\
form.inline{display:inline}\
.row{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-end}\
[role=status]{background:#e7f4e4;border:1px solid #2e7d32;padding:.5rem;margin:.5rem 0}\
[role=alert]{background:#fdecea;border:1px solid #a40000;padding:.5rem;margin:.5rem 0}\
.once{background:#fff8e1;border:2px solid #8a6d00;padding:.5rem 1rem;margin:1rem 0}\
.muted{color:#555}\
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}\
.skip{position:absolute;left:-9999px}\
.skip:focus{left:1rem;top:.5rem;background:#fff;color:#0645ad;padding:.25rem .5rem;z-index:1}\
svg text{font-size:11px;fill:#1a1a1a}\
";

/// The copy buttons: copies the text of the element named by
/// `data-copy-target`; where the clipboard is refused, selects it so
/// Ctrl+C copies it. The pages work without it (the text is selectable).
pub const SCRIPT: &str = "\
document.addEventListener('click',function(e){\
var b=e.target.closest&&e.target.closest('button.copy');if(!b)return;\
var t=document.getElementById(b.getAttribute('data-copy-target'));if(!t)return;\
var done=function(m){var s=b.querySelector('.copy-state');if(s)s.textContent=m;};\
var select=function(){var r=document.createRange();r.selectNodeContents(t);var s=window.getSelection();s.removeAllRanges();s.addRange(r);done(' (selected: press Ctrl+C)');};\
if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(t.textContent).then(function(){done(' (copied)');},select);}else{select();}\
});";

fn hash(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
}

/// The Content-Security-Policy of every admin page: nothing but this
/// stylesheet and this script, forms posting only to this origin, never
/// framed.
pub fn csp() -> &'static str {
    static CSP: OnceLock<String> = OnceLock::new();
    CSP.get_or_init(|| {
        format!(
            "default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            hash(CSS),
            hash(SCRIPT)
        )
    })
}
