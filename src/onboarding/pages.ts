import type { CheckResult } from '../diagnosis/report';
import { blockedSentence, CHECK_TITLES, fixFor, type CheckId, type Lang } from '../diagnosis/texts';
import type { DiagnosisTargetSummary } from '../diagnosis/report';

/**
 * The onboarding pages: plain HTML that works without JavaScript (progress polling is the only
 * script), one column that fits a phone, Italian or English. Every value from outside is escaped.
 */

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Marks text as already safe HTML (built here from escaped parts). */
class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export const raw = (value: string): Html => new Html(value);

/** A template tag: interpolated values are escaped unless they are Html (or arrays of it). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  const part = (v: unknown): string => (v instanceof Html ? v.value : Array.isArray(v) ? v.map(part).join('') : v == null || v === false ? '' : escapeHtml(v));
  return new Html(strings.reduce((out, s, i) => out + s + (i < values.length ? part(values[i]) : ''), ''));
}

type Counts = { created: number; updated: number; deleted: number; unchanged: number };

export const T = {
  en: {
    title: 'Connect Outlook to WineAround',
    intro: (customer: string) => `This page connects the Outlook calendar of ${customer} to its WineAround bookings. WineAround then keeps the bookings in one calendar mailbox of your organisation, created, changed and cancelled as they happen.`,
    steps: [
      'Choose "Connect Outlook". Microsoft asks you to sign in: use a work account that is a Global Administrator or Privileged Role Administrator of your organisation.',
      'Microsoft shows the permissions WineAround asks for — read and write calendars (Calendars.ReadWrite), and sign-in to confirm your organisation — and you accept them for your organisation.',
      'Back here, enter the calendar mailbox: a dedicated, licensed user such as calendario@your-winery.it. The setup is checked on the spot and the sync starts.',
    ],
    noSecret: 'No password or secret is sent to WineAround. You can limit the app to the calendar mailbox alone afterwards (see the setup guide).',
    connect: 'Connect Outlook',
    expiredTitle: 'This link has expired',
    expired: 'Links to connect Outlook are valid for a limited time. Ask WineAround for a new one.',
    invalidTitle: 'This link is not valid',
    invalid: 'The address is incomplete or was changed. Open the link exactly as WineAround sent it, or ask for a new one.',
    alreadyTitle: 'Outlook is already connected',
    already: (customer: string) => `The calendar of ${customer} is already in sync. To change the mailbox or reconnect, contact WineAround.`,
    refusedTitle: 'Consent was not given',
    refused: 'Microsoft reports that the permission was not accepted, so nothing was connected.',
    notAdminTitle: 'An administrator must accept',
    notAdmin: 'The account that signed in may not grant this permission for the organisation. Ask a Global Administrator or Privileged Role Administrator to open this link and accept.',
    microsaid: 'Microsoft said',
    tryAgain: 'Try again',
    signInFailed: 'Microsoft did not confirm the sign-in, so nothing was connected. Try again from the start.',
    otherTenantTitle: 'Signed in to another organisation',
    otherTenant: 'The account that signed in belongs to another organisation than the one that gave consent. Sign in with an administrator account of the organisation whose calendar you connect, and try again.',
    replayTitle: 'This answer was already used',
    replay: 'Microsoft\'s answer must come back to the browser that started the connection, once. Start again from the link WineAround sent you.',
    mailboxTitle: 'Which mailbox holds the calendar?',
    consented: (customer: string, tenant: string) => `Consent granted for ${customer}, organisation (tenant) ${tenant}.`,
    mailboxLabel: 'Calendar mailbox (user principal name)',
    mailboxHint: 'A dedicated user with an Exchange Online licence, e.g. calendario@your-winery.it. Bookings go to its default calendar.',
    check: 'Check the setup',
    checkAgain: 'Check again',
    checkTitle: 'Setup check',
    checking: (customer: string) => `Checking the setup of ${customer}: each check appears here as it ends.`,
    status: { pass: 'OK', fail: 'To fix', warn: 'Warning', skip: 'Not checked' },
    fix: 'What to do',
    failed: 'Fix the items marked "To fix", then check again. Nothing has been started.',
    okStarted: 'Everything is in place: the sync has started.',
    progressWaiting: 'Waiting for the first sync…',
    progressDone: (at: string, n: Counts) =>
      `First sync done at ${at}: ${n.created} created, ${n.updated} updated, ${n.deleted} deleted, ${n.unchanged} unchanged. You can close this page.`,
    progressAttention: (code: string) => `The sync needs attention (${code}). WineAround has been told; you can also check again later.`,
    reconnectIntro: (customer: string) => `The connection of ${customer} was lost: WineAround's app is no longer consented in your organisation. Connect again below; the sync resumes where it stopped.`,
    reconnectedTitle: 'Outlook is connected again',
    reconnectChecking: (customer: string) => `Consent is back for ${customer}. Syncing now…`,
    reconnectDone: (at: string, n: Counts) => `Synced again at ${at}: ${n.created} created, ${n.updated} updated, ${n.deleted} deleted, ${n.unchanged} unchanged. You can close this page.`,
    reconnectPending: 'Microsoft has not passed the consent on to its services yet. The sync checks again every few minutes and resumes by itself: you can close this page.',
    stateExpiredTitle: 'This step took too long',
    stateExpired: 'The answer from Microsoft came back after more than 15 minutes, so it can no longer be used. Open the link WineAround sent you again.',
    usedTitle: 'This link was already used',
    used: 'Outlook was connected with this link before. To connect again, ask WineAround for a new link.',
    switchedTitle: 'Another connection was started in this browser',
    switched: (customer: string) => `This browser is now connecting ${customer}. Finish one connection at a time: open the link you want to use again.`,
    unavailableTitle: 'Something went wrong',
    unavailable: 'The service could not finish this step. Nothing was started. Try again in a few minutes; if it persists, tell WineAround.',
    sessionTitle: 'This page has expired',
    session: 'Start again from the link WineAround sent you.',
    mailboxInvalid: 'Enter the mailbox\'s user principal name, such as calendario@your-winery.it.',
    lang: 'Italiano',
  },
  it: {
    title: 'Collega Outlook a WineAround',
    intro: (customer: string) => `Questa pagina collega il calendario Outlook di ${customer} alle prenotazioni WineAround. WineAround riporta poi le prenotazioni in una cassetta postale della vostra organizzazione, create, modificate e annullate man mano che avvengono.`,
    steps: [
      'Scegliere "Collega Outlook". Microsoft chiede di accedere: usare un account aziendale con ruolo Amministratore globale (Global Administrator) o Amministratore ruolo con privilegi (Privileged Role Administrator).',
      'Microsoft mostra le autorizzazioni richieste da WineAround — leggere e scrivere i calendari (Calendars.ReadWrite) e l\'accesso per confermare l\'organizzazione — da accettare per l\'organizzazione.',
      'Tornati qui, indicare la cassetta postale del calendario: un utente dedicato con licenza, ad esempio calendario@vostra-cantina.it. La configurazione viene verificata subito e la sincronizzazione parte.',
    ],
    noSecret: 'Nessuna password o segreto viene inviato a WineAround. In seguito si può limitare l\'app alla sola cassetta postale del calendario (vedere la guida).',
    connect: 'Collega Outlook',
    expiredTitle: 'Questo link è scaduto',
    expired: 'I link per collegare Outlook valgono per un tempo limitato. Chiedere a WineAround un nuovo link.',
    invalidTitle: 'Questo link non è valido',
    invalid: 'L\'indirizzo è incompleto o è stato modificato. Aprire il link esattamente come inviato da WineAround, oppure chiederne uno nuovo.',
    alreadyTitle: 'Outlook è già collegato',
    already: (customer: string) => `Il calendario di ${customer} è già sincronizzato. Per cambiare la cassetta postale o ricollegarlo, contattare WineAround.`,
    refusedTitle: 'Il consenso non è stato dato',
    refused: 'Microsoft riferisce che l\'autorizzazione non è stata accettata: non è stato collegato nulla.',
    notAdminTitle: 'Serve un amministratore',
    notAdmin: 'L\'account che ha effettuato l\'accesso non può concedere questa autorizzazione per l\'organizzazione. Chiedere a un Amministratore globale o a un Amministratore ruolo con privilegi di aprire questo link e accettare.',
    microsaid: 'Risposta di Microsoft',
    tryAgain: 'Riprova',
    signInFailed: 'Microsoft non ha confermato l\'accesso: non è stato collegato nulla. Riprovare dall\'inizio.',
    otherTenantTitle: 'Accesso con un\'altra organizzazione',
    otherTenant: 'L\'account con cui si è effettuato l\'accesso appartiene a un\'organizzazione diversa da quella che ha dato il consenso. Accedere con un account amministratore dell\'organizzazione di cui si collega il calendario e riprovare.',
    replayTitle: 'Questa risposta è già stata usata',
    replay: 'La risposta di Microsoft deve tornare, una sola volta, al browser che ha avviato il collegamento. Ricominciare dal link inviato da WineAround.',
    mailboxTitle: 'Quale cassetta postale contiene il calendario?',
    consented: (customer: string, tenant: string) => `Consenso concesso per ${customer}, organizzazione (tenant) ${tenant}.`,
    mailboxLabel: 'Cassetta postale del calendario (nome dell\'entità utente)',
    mailboxHint: 'Un utente dedicato con licenza Exchange Online, ad esempio calendario@vostra-cantina.it. Le prenotazioni vanno nel suo calendario predefinito.',
    check: 'Verifica la configurazione',
    checkAgain: 'Verifica di nuovo',
    checkTitle: 'Verifica della configurazione',
    checking: (customer: string) => `Verifica della configurazione di ${customer}: ogni controllo compare qui appena concluso.`,
    status: { pass: 'OK', fail: 'Da correggere', warn: 'Avviso', skip: 'Non verificato' },
    fix: 'Cosa fare',
    failed: 'Correggere le voci "Da correggere", poi verificare di nuovo. Non è stato avviato nulla.',
    okStarted: 'Tutto a posto: la sincronizzazione è partita.',
    progressWaiting: 'In attesa della prima sincronizzazione…',
    progressDone: (at: string, n: Counts) =>
      `Prima sincronizzazione completata alle ${at}: ${n.created} creati, ${n.updated} aggiornati, ${n.deleted} eliminati, ${n.unchanged} invariati. Si può chiudere questa pagina.`,
    progressAttention: (code: string) => `La sincronizzazione richiede attenzione (${code}). WineAround è stata avvisata; si può anche verificare di nuovo più tardi.`,
    reconnectIntro: (customer: string) => `Il collegamento di ${customer} si è interrotto: l'app di WineAround non ha più il consenso nella vostra organizzazione. Ricollegarla qui sotto; la sincronizzazione riprende da dove si era fermata.`,
    reconnectedTitle: 'Outlook è di nuovo collegato',
    reconnectChecking: (customer: string) => `Consenso di nuovo concesso per ${customer}. Sincronizzazione in corso…`,
    reconnectDone: (at: string, n: Counts) => `Sincronizzato di nuovo alle ${at}: ${n.created} creati, ${n.updated} aggiornati, ${n.deleted} eliminati, ${n.unchanged} invariati. Si può chiudere questa pagina.`,
    reconnectPending: 'Microsoft non ha ancora propagato il consenso ai suoi servizi. La sincronizzazione ricontrolla ogni pochi minuti e riprende da sola: si può chiudere questa pagina.',
    stateExpiredTitle: 'Questo passaggio ha richiesto troppo tempo',
    stateExpired: 'La risposta di Microsoft è arrivata dopo più di 15 minuti e non può più essere usata. Aprire di nuovo il link inviato da WineAround.',
    usedTitle: 'Questo link è già stato usato',
    used: 'Outlook è già stato collegato con questo link. Per collegarlo di nuovo, chiedere a WineAround un nuovo link.',
    switchedTitle: 'In questo browser è stato avviato un altro collegamento',
    switched: (customer: string) => `Questo browser sta ora collegando ${customer}. Completare un collegamento alla volta: riaprire il link che si vuole usare.`,
    unavailableTitle: 'Si è verificato un problema',
    unavailable: 'Il servizio non ha potuto completare questo passaggio. Non è stato avviato nulla. Riprovare tra qualche minuto; se il problema persiste, avvisare WineAround.',
    sessionTitle: 'Questa pagina è scaduta',
    session: 'Ricominciare dal link inviato da WineAround.',
    mailboxInvalid: 'Indicare il nome dell\'entità utente della cassetta postale, ad esempio calendario@vostra-cantina.it.',
    lang: 'English',
  },
} satisfies Record<Lang, unknown>;

export type Texts = (typeof T)['en'];

/** The page around a body; `langSwitch` is the same address in the other language. */
export function page(lang: Lang, heading: string, body: Html, langSwitch?: string): string {
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${heading} — WineAround</title>
<link rel="stylesheet" href="/onboarding/assets/style.css">
</head>
<body>
<main>
<p class="brand">WineAround</p>
<h1>${heading}</h1>
${body}
${langSwitch ? html`<p class="lang"><a href="${langSwitch}" hreflang="${lang === 'it' ? 'en' : 'it'}">${T[lang].lang}</a></p>` : ''}
</main>
</body>
</html>
`.value;
}

export function checkItem(c: CheckResult, lang: Lang, target?: DiagnosisTargetSummary): Html {
  const t = T[lang];
  const title = CHECK_TITLES[c.check as CheckId]?.[lang] ?? c.check;
  const evidence = c.status === 'skip' && c.blockedBy ? blockedSentence(c.blockedBy, lang) : c.evidence;
  const fix = c.status === 'pass' || c.blockedBy ? '' : (lang === 'en' ? c.fix : fixFor(c.code, lang, target) || c.fix);
  return html`<li class="check ${c.status}" data-check="${c.check}" data-status="${c.status}">
<p><strong class="status">${t.status[c.status]}</strong> ${title}${c.status === 'pass' || c.blockedBy ? '' : html` <code>${c.code}</code>`}</p>
<p class="evidence">${evidence}</p>
${fix ? html`<p class="fix"><strong>${t.fix}:</strong> ${fix}</p>` : ''}
</li>
`;
}

export const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;background:#faf7f5}
main{max-width:40rem;margin:0 auto;padding:1.25rem}
.brand{font-weight:700;color:#7b1e3a;letter-spacing:.04em;margin:0}
h1{font-size:1.5rem;line-height:1.25}
a.button,button{display:inline-block;min-height:44px;padding:.6rem 1.2rem;border:0;border-radius:.4rem;background:#7b1e3a;color:#fff;font:inherit;font-weight:600;text-decoration:none;cursor:pointer}
a.button:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}
label{display:block;font-weight:600;margin-top:1rem}
input[type=email]{width:100%;min-height:44px;padding:.5rem;font:inherit;border:1px solid #767676;border-radius:.3rem}
.hint{color:#4a4a4a;font-size:.95rem}
.error{color:#a00000;font-weight:600}
ol.checks{list-style:none;padding:0}
.check{border-left:.35rem solid #767676;background:#fff;padding:.5rem .75rem;margin:.5rem 0}
.check p{margin:.25rem 0}
.check.pass{border-color:#2e7d32}.check.fail{border-color:#a00000}.check.warn{border-color:#b26a00}
.evidence{color:#4a4a4a;font-size:.9rem;overflow-wrap:anywhere}
code{overflow-wrap:anywhere}
.lang{margin-top:2rem}
`;

/** Polls /onboarding/progress until the first sync is done; the text lands in an aria-live region. */
export const PROGRESS_SCRIPT = `
(function () {
  var region = document.getElementById('progress');
  if (!region) return;
  var tries = 0;
  function poll() {
    fetch('/onboarding/progress?lang=' + encodeURIComponent(document.documentElement.lang), { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        if (p && p.text) region.textContent = p.text;
        if (!(p && p.final) && ++tries < 200) setTimeout(poll, 1500);
      })
      .catch(function () { if (++tries < 200) setTimeout(poll, 3000); });
  }
  poll();
})();
`;
