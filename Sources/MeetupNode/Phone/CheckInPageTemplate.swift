import Foundation
import MeetupCrypto
import Mustache

/// The check-in page: one self-contained document (no external asset, no tracking), usable on a phone
/// and without JavaScript. Mustache escapes every value; the style and script are constants, allowed by
/// their SHA-256 in the Content-Security-Policy rather than by 'unsafe-inline'.
enum CheckInPageTemplate {
    static let template: MustacheTemplate = {
        do { return try MustacheTemplate(string: html) } catch { fatalError("the check-in page template does not parse: \(error)") }
    }()

    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <meta name="robots" content="noindex, nofollow">
        <title>Check-in</title>
        <style>{{{style}}}</style>
        </head>
        <body>
        <main>
        <h1>Check-in</h1>
        {{#message}}<p class="message {{kind}}" id="message" role="status">{{text}}</p>{{/message}}
        {{#when}}<p class="when" id="when">{{label}} <time datetime="{{iso}}">{{text}}</time></p>{{/when}}
        {{#note}}<p class="when" id="note">{{.}}</p>{{/note}}
        {{#form}}
        <form method="post" id="actions" autocomplete="off">
        <input type="hidden" name="nonce" value="{{nonce}}">
        <input type="hidden" name="lat" id="lat"><input type="hidden" name="lon" id="lon"><input type="hidden" name="acc" id="acc">
        <label for="pin">PIN</label>
        <input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="off">
        <div class="row">
        <button type="submit" name="action" value="check-in" id="ok">I'm OK</button>
        <button type="submit" name="action" value="done" id="home">I'm home</button>
        </div>
        <p class="share" id="share" hidden><label><input type="checkbox" id="geo"> Share my location</label></p>
        <button type="submit" name="action" value="help" id="help" class="help">Help</button>
        <p class="hint">Help needs no PIN: your contacts are alerted at once.</p>
        </form>
        {{/form}}
        {{#helpForm}}
        <form method="post" id="help-only" autocomplete="off">
        <input type="hidden" name="nonce" value="{{nonce}}">
        <input type="hidden" name="lat" id="lat"><input type="hidden" name="lon" id="lon"><input type="hidden" name="acc" id="acc">
        <p class="share" id="share" hidden><label><input type="checkbox" id="geo"> Share my location</label></p>
        <button type="submit" name="action" value="help" id="help" class="help">Help</button>
        <p class="hint">Help needs no PIN: your contacts are alerted at once.</p>
        </form>
        {{/helpForm}}
        </main>
        <script>{{{script}}}</script>
        </body>
        </html>

        """

    static let style = """
        *{box-sizing:border-box}\
        body{margin:0;font:18px/1.4 system-ui,sans-serif;background:#f6f6f4;color:#1b1b1b}\
        main{max-width:28rem;margin:0 auto;padding:1.2rem}\
        h1{font-size:1.4rem;margin:.2rem 0 1rem}\
        .when{font-size:1.1rem;margin:.4rem 0 1rem}\
        .message{padding:.7rem .9rem;border-radius:.5rem;font-weight:600}\
        .message.ok{background:#dff3e4;color:#134d23}\
        .message.error{background:#fde2e1;color:#7a1410}\
        label{display:block;font-weight:600;margin:.6rem 0 .3rem}\
        input[type=password]{width:100%;font-size:1.4rem;padding:.6rem;border:2px solid #888;border-radius:.5rem;letter-spacing:.3rem}\
        .row{display:flex;gap:.6rem;margin-top:.9rem}\
        button{flex:1;font-size:1.2rem;font-weight:700;padding:1rem .5rem;border:0;border-radius:.6rem;background:#1f5faa;color:#fff}\
        .help{display:block;width:100%;margin-top:1.6rem;padding:1.3rem;font-size:1.5rem;background:#b3161b}\
        .share label{font-weight:400}\
        .hint{font-size:.9rem;color:#555}
        """

    static let script = """
        (function(){\
        var t=document.querySelector('time');\
        if(t){var d=new Date(t.getAttribute('datetime'));if(!isNaN(d)){\
        var today=d.toDateString()===new Date().toDateString();\
        t.textContent=d.toLocaleString([],today?{hour:'2-digit',minute:'2-digit'}:{weekday:'short',hour:'2-digit',minute:'2-digit'});}}\
        var form=document.getElementById('actions')||document.getElementById('help-only');\
        if(!form||!window.isSecureContext||!navigator.geolocation)return;\
        document.getElementById('share').hidden=false;\
        var box=document.getElementById('geo'),sending=false;\
        form.addEventListener('submit',function(e){\
        if(sending||!box.checked)return;\
        e.preventDefault();sending=true;var by=e.submitter;\
        var send=function(){form.requestSubmit(by);};\
        navigator.geolocation.getCurrentPosition(function(p){\
        document.getElementById('lat').value=p.coords.latitude;\
        document.getElementById('lon').value=p.coords.longitude;\
        document.getElementById('acc').value=Math.round(p.coords.accuracy);send();},\
        send,{enableHighAccuracy:true,timeout:5000,maximumAge:60000});});\
        })();
        """

    /// Only this page's own style and script run; forms post only to this page; nothing frames it.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src '\(cspHash(style))'; script-src '\(cspHash(script))'; "
        + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

    private static func cspHash(_ text: String) -> String {
        "sha256-" + sha256(Data(text.utf8)).base64EncodedString()
    }
}
