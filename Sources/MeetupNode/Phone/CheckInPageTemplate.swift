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
        <meta name="color-scheme" content="light dark">
        {{#refresh}}<meta http-equiv="refresh" content="30">{{/refresh}}
        <title>Check-in</title>
        <style>{{{style}}}</style>
        </head>
        <body class="{{state}}">
        <main>
        <h1>Check-in</h1>
        {{#message}}<p class="message {{kind}}" id="message" role="status">{{text}}</p>{{/message}}
        {{#banner}}<p class="banner" id="banner" role="alert">{{text}}{{#time}}<time datetime="{{iso}}">{{at}}</time>{{/time}}{{tail}}</p>{{/banner}}
        {{#when}}<p class="when" id="when">{{label}} <time datetime="{{iso}}">{{text}}</time>\
        {{#left}} <span class="countdown" id="countdown" data-until="{{iso}}">({{left}})</span>{{/left}}</p>{{/when}}
        {{#note}}<p class="when" id="note">{{.}}</p>{{/note}}
        {{#sent}}<ul class="sent" id="sent">{{#items}}<li>{{text}}{{#time}}<time datetime="{{iso}}">{{at}}</time>{{/time}}{{tail}}</li>{{/items}}</ul>{{/sent}}
        {{#form}}
        <form method="post" id="actions" autocomplete="off">
        <input type="hidden" name="nonce" value="{{nonce}}">
        <input type="hidden" name="lat" id="lat"><input type="hidden" name="lon" id="lon"><input type="hidden" name="acc" id="acc">
        <label for="pin">PIN</label>
        <input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="off">
        <button type="submit" name="action" value="check-in" id="ok" class="ok">I'm OK</button>
        <p class="share" id="share" hidden><label><input type="checkbox" id="geo"> Share my location</label></p>
        <button type="submit" name="action" value="help" id="help" class="help">Help</button>
        <p class="hint">Help needs no PIN: your contacts are alerted at once.</p>
        <div class="end">
        <button type="submit" name="action" value="done" id="home" class="home">I'm home: end the plan</button>
        <p class="hint">Only when you are safe: your contacts stop watching over you.</p>
        </div>
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

    /// The same short page for every path the peer listener does not serve and every link that opens nothing
    /// (unknown, revoked, or its plan's retention over): byte for byte, so that a guess learns nothing.
    static let notFound = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <meta name="robots" content="noindex, nofollow">
        <meta name="color-scheme" content="light dark">
        <title>Not found</title>
        <style>\(style)</style>
        </head>
        <body>
        <main>
        <h1>Not found</h1>
        <p class="when">This link does not work (any more). If you are in danger, call 112 (17 in France) now.</p>
        </main>
        </body>
        </html>

        """

    static let style = """
        *{box-sizing:border-box}\
        body{margin:0;font:18px/1.4 system-ui,sans-serif;background:#f6f6f4;color:#1b1b1b}\
        main{max-width:28rem;margin:0 auto;padding:1.2rem}\
        h1{font-size:1.4rem;margin:.2rem 0 1rem}\
        .when{font-size:1.1rem;margin:.4rem 0 1rem}\
        .countdown{font-weight:700}\
        .message{padding:.7rem .9rem;border-radius:.5rem;font-weight:600}\
        .message.ok{background:#dff3e4;color:#134d23}\
        .message.error{background:#fde2e1;color:#7a1410}\
        .banner{padding:.9rem 1rem;border-radius:.5rem;font-weight:800;font-size:1.15rem;background:#b3161b;color:#fff}\
        body.grace,body.alerted{background:#fff0ef}\
        body.grace .when,body.alerted .when{color:#8a0f13;font-weight:700}\
        .sent{padding-left:1.2rem;margin:.4rem 0 1rem}\
        label{display:block;font-weight:600;margin:.6rem 0 .3rem}\
        input[type=password]{width:100%;font-size:1.4rem;padding:.6rem;border:2px solid #888;border-radius:.5rem;letter-spacing:.3rem}\
        button{display:block;width:100%;font-size:1.2rem;font-weight:700;padding:1rem .5rem;border:0;border-radius:.6rem;color:#fff}\
        .ok{margin-top:.9rem;background:#1f5faa}\
        .help{margin-top:1.6rem;padding:1.3rem;font-size:1.5rem;background:#b3161b}\
        .end{margin-top:2.4rem;padding-top:1rem;border-top:1px solid #bbb}\
        .home{background:transparent;color:#1b1b1b;border:2px solid #1b1b1b;font-weight:600}\
        .share label{font-weight:400}\
        .hint{font-size:.9rem;color:#555}\
        @media (prefers-color-scheme: dark){\
        body{background:#121212;color:#eee}\
        body.grace,body.alerted{background:#2a0b0b}\
        body.grace .when,body.alerted .when{color:#ff8a80}\
        .message.ok{background:#12351d;color:#bfe8c9}\
        .message.error{background:#4a1412;color:#ffd2cf}\
        input[type=password]{background:#1e1e1e;color:#eee;border-color:#777}\
        .home{color:#eee;border-color:#eee}\
        .hint{color:#aaa}.end{border-top-color:#444}}
        """

    static let script = """
        (function(){\
        document.querySelectorAll('time').forEach(function(t){var d=new Date(t.getAttribute('datetime'));if(!isNaN(d)){\
        var today=d.toDateString()===new Date().toDateString();\
        t.textContent=d.toLocaleString([],today?{hour:'2-digit',minute:'2-digit',timeZoneName:'short'}:{weekday:'short',hour:'2-digit',minute:'2-digit',timeZoneName:'short'});}});\
        var c=document.getElementById('countdown');\
        if(c){var until=new Date(c.getAttribute('data-until'));var tick=function(){\
        var s=Math.round((until-new Date())/1000),a=Math.abs(s),m=Math.floor(a/60),r=a%60;\
        var text=[m>0?m+' min':'',m<10?r+' s':''].filter(Boolean).join(' ');\
        c.textContent='('+(s>=0?'in '+text:text+' ago')+')';};tick();setInterval(tick,1000);}\
        var pin=document.getElementById('pin'),form=document.getElementById('actions')||document.getElementById('help-only'),busy=false;\
        if(form){form.addEventListener('submit',function(){busy=true;},true);}\
        setInterval(function(){if(!busy&&(!pin||pin.value==='')&&document.visibilityState==='visible'){location.reload();}},30000);\
        if(!form)return;\
        var confirmed=false;\
        form.addEventListener('submit',function(e){\
        if(!e.submitter||e.submitter.id!=='home'||confirmed)return;\
        if(window.confirm('End the plan? Your contacts will stop watching over you.')){confirmed=true;}else{e.preventDefault();}});\
        if(!window.isSecureContext||!navigator.geolocation)return;\
        document.getElementById('share').hidden=false;\
        var box=document.getElementById('geo'),sending=false;\
        form.addEventListener('submit',function(e){\
        if(e.defaultPrevented||sending||!box.checked)return;\
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
