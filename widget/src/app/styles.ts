// The chat window's look, inside the widget's shadow root (the page's CSS does not reach it).
// Colours meet WCAG 2.1 AA contrast on their backgrounds; the website's colours come in as
// custom properties (R14).

export const STYLES = `
.panel{background:var(--parley-background);color:#1a1a1a}
header{display:flex;align-items:center;gap:8px;padding:12px 14px;background:var(--parley-primary);color:#fff}
h2{flex:1;margin:0;font-size:17px}
h3{margin:8px 0;font-size:15px}
.header-button{background:transparent;color:#fff;border:1px solid rgba(255,255,255,.7);border-radius:6px;padding:4px 9px;font:inherit;font-size:13px;cursor:pointer}
button:focus-visible,input:focus-visible,textarea:focus-visible,select:focus-visible,a:focus-visible{outline:3px solid #0b3d91;outline-offset:2px}
header button:focus-visible{outline-color:#fff}
.body{flex:1;overflow:auto;padding:12px 14px;display:flex;flex-direction:column}
.chat{display:flex;flex-direction:column;flex:1;min-height:0}
.conversation{flex:1;overflow:auto}
.connection{margin:0;padding:6px 14px;background:#fff4ce;color:#4a3b00;font-size:13px}
.messages{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:8px}
.message{max-width:85%;padding:8px 11px;border-radius:12px;background:var(--parley-agent);color:#1a1a1a;align-self:flex-start;white-space:pre-wrap;overflow-wrap:anywhere}
.message.mine{align-self:flex-end;background:var(--parley-visitor);color:#fff}
.message.mine a{color:#fff}
.message.pending{opacity:.75}
.meta{font-size:12px;margin-bottom:2px}
.who{font-weight:600}
.system{align-self:center;font-size:13px;color:#4a4a4a;text-align:center}
.system time{color:#595959}
.attachments{margin:4px 0 0;padding-left:18px}
.choices{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}
.choice-button{border:1px solid var(--parley-primary);background:#fff;color:#0b3d91;border-radius:14px;padding:5px 12px;font:inherit;cursor:pointer}
.choice-button.chosen{background:var(--parley-primary);color:#fff}
.choice-button:disabled{cursor:default}
.queue,.typing{margin:6px 0 0;font-size:13px;color:#4a4a4a}
.typing:empty{display:none}
.composer{border-top:1px solid #d0d4da;margin-top:8px;padding-top:8px}
.compose-row{display:flex;gap:6px;align-items:flex-end}
.compose{flex:1;resize:none;font:inherit;padding:7px;border:1px solid #8a8f98;border-radius:8px}
.icon{background:#fff;border:1px solid #8a8f98;border-radius:8px;padding:7px;cursor:pointer;font:inherit}
.primary{background:var(--parley-primary);color:#fff;border:0;border-radius:8px;padding:8px 14px;font:inherit;font-weight:600;cursor:pointer}
button{font:inherit}
button:disabled{opacity:.6}
.link{background:none;border:0;padding:4px 0;color:#0b3d91;text-decoration:underline;cursor:pointer;font:inherit;align-self:flex-start}
.fields{display:flex;flex-direction:column;gap:10px}
.field{display:flex;flex-direction:column;gap:3px;border:0;margin:0;padding:0}
.field label,.field legend{font-weight:600;font-size:14px}
.field .choice{font-weight:400}
.field input[type=text],.field input[type=email],.field select,.field textarea,.field input:not([type]){font:inherit;padding:7px;border:1px solid #8a8f98;border-radius:6px}
.optional{font-weight:400;color:#595959}
.field-error,.form-error{color:#b00020;font-size:13px;margin:0}
.form-error{margin:8px 0}
form.start,form.offline,.ended form{display:flex;flex-direction:column;gap:10px}
.notice{background:#f3f6fb;border-radius:8px;padding:8px 10px;margin:0 0 10px}
.notice p{margin:0 0 4px}
.form-text{margin:0;white-space:pre-wrap}
.files{list-style:none;margin:4px 0;padding:0;font-size:13px}
.done{font-weight:600}
.tail:empty{display:none}
.chat-tools{margin-top:6px}
.chat-tools form{display:flex;flex-direction:column;gap:8px}
.ended{display:flex;flex-direction:column;gap:12px;border-top:1px solid #d0d4da;margin-top:10px;padding-top:6px}
.note{margin:0;font-size:13px}
.confirm{background:#fff4ce;border-radius:8px;padding:8px 10px;margin-bottom:8px;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.confirm p{margin:0;flex-basis:100%}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
`;
