import { ADVICE } from '../outlook/errors';
import type { DiagnosisTargetSummary } from './report';

/**
 * The words of the diagnosis: check titles and fixes in English and Italian (WineAround's customers
 * are Italian wineries). Codes stay stable in every language; English fixes reuse the sync's ADVICE
 * so that `status` and `diagnose` never disagree. Admin-center labels are quoted as the Italian UI
 * shows them, with the English label in brackets for IT staff on an English interface.
 */

export type Lang = 'en' | 'it';

export const CHECK_IDS = [
  'secret-ref', 'tenant', 'app', 'client-secret', 'permission', 'mailbox', 'access-policy', 'write-probe', 'sharing', 'feed',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export const CHECK_TITLES: Record<CheckId, Record<Lang, string>> = {
  'secret-ref': { en: 'Client secret or certificate reference', it: 'Riferimento al segreto client o al certificato' },
  tenant: { en: 'Tenant', it: 'Tenant' },
  app: { en: 'App registration', it: 'Registrazione app' },
  'client-secret': { en: 'Client secret or certificate', it: 'Segreto client o certificato' },
  permission: { en: 'Calendars.ReadWrite application permission', it: 'Autorizzazione applicazione Calendars.ReadWrite' },
  mailbox: { en: 'Mailbox and default calendar', it: 'Cassetta postale e calendario predefinito' },
  'access-policy': { en: 'Exchange access policy / RBAC scope', it: 'Criterio di accesso Exchange / ambito RBAC' },
  'write-probe': { en: 'Write test (probe event)', it: 'Prova di scrittura (evento di prova)' },
  sharing: { en: 'Calendar sharing with staff', it: 'Condivisione del calendario con il personale' },
  feed: { en: 'WineAround iCal feed', it: 'Feed iCal di WineAround' },
};

/** Fixes for codes the sync itself never raises (English); the others come from ADVICE. */
const FIXES_EN: Record<string, string> = {
  SECRET_STORE_UNREADABLE:
    'The worker\'s secret store could not be read. Check that WA_SECRETS_FILE names a readable JSON file of the form {"<ref>": "<secret value>"}.',
  SECRET_EXPIRING:
    'The client secret expires soon. Entra admin center > Identity > Applications > App registrations > the app > Certificates & secrets: add a new client secret, hand WineAround its Value, and delete the old one once the integration uses the new one.',
  CERTIFICATE_EXPIRING:
    'The certificate expires soon. Create a new one (docs/setup.md, step 4a), upload it in Entra admin center > Identity > Applications > App registrations > the app > Certificates & secrets > Certificates, hand WineAround the new key and certificate, and delete the old certificate once the integration uses the new one.',
  UNAVAILABLE: 'Microsoft Entra or Graph could not be reached or was unavailable. Run the diagnosis again in a few minutes; if it persists, check the network path from the worker to Microsoft.',
  WRITE_PROBE_FAILED:
    'The probe event could not be written and read back as created. Run the diagnosis again; if it persists, report the evidence to WineAround engineering.',
  PROBE_NOT_REMOVED:
    'The probe event "WineAround connection test" (1 January 2000) may still be in the calendar. Delete it in Outlook, then run the diagnosis again.',
  CALENDAR_SHARED_WRITABLE:
    'People with edit or delegate access change synced events, and the sync then overwrites or recreates them. In Outlook on the web, signed in as the calendar user: Calendar > Share > set these people to "Can view all details". Or in Exchange Online PowerShell: Set-MailboxFolderPermission -Identity "<mailbox>:\\Calendar" -User <person> -AccessRights Reviewer (the folder is named "Calendario" in an Italian mailbox).',
  CALENDAR_NOT_SHARED:
    'No one but the calendar user can read the bookings. In Outlook on the web, signed in as the calendar user: Calendar > Share > add the staff with "Can view all details". Or in Exchange Online PowerShell: Add-MailboxFolderPermission -Identity "<mailbox>:\\Calendar" -User <person> -AccessRights Reviewer.',
  SHARING_UNREADABLE: 'Check the sharing by hand: Outlook on the web, signed in as the calendar user: Calendar > Share; staff should have "Can view all details" only.',
  FEED_URL_NOT_GIVEN: 'Pass the WineAround iCal feed URL with --feed to check the feed as well.',
  FEED_UNAVAILABLE: 'The WineAround feed is unavailable right now; run the diagnosis again in a few minutes.',
  FEED_TIMEOUT: 'The WineAround feed did not answer in time; run the diagnosis again in a few minutes.',
  FEED_NETWORK: 'The WineAround feed could not be reached; check the feed URL and the worker\'s network.',
  TOKEN_UNREADABLE: 'Nothing to do when the checks below pass: the access token is not readable here, so Graph\'s answers show whether it carries Calendars.ReadWrite.',
  BLOCKED: 'Fix the failed check above first.',
};

const FIXES_IT: Record<string, string> = {
  CONSENT_NOT_GRANTED:
    'L\'app di WineAround non ha (ancora) il consenso in questo tenant. Aprire di nuovo il link di attivazione ricevuto da WineAround e scegliere "Collega Outlook", con un account Amministratore globale (Global Administrator) o Amministratore ruolo con privilegi (Privileged Role Administrator), poi Accetta (Accept). Se il consenso è stato dato pochi minuti fa, Microsoft potrebbe non averlo ancora propagato: ripetere la verifica tra qualche minuto. Se l\'app è stata rimossa in Interfaccia di amministrazione di Microsoft Entra > Applicazioni aziendali (Enterprise applications), dare di nuovo il consenso allo stesso modo.',
  SECRET_REF_UNKNOWN:
    'Il worker non ha un segreto con questo riferimento. Aggiungerlo all\'archivio dei segreti del worker (WA_SECRETS_FILE o WA_SECRET_<REF>), oppure correggere --secret-ref con "wa-outlook update-config".',
  SECRET_STORE_UNREADABLE:
    'Impossibile leggere l\'archivio dei segreti del worker. Verificare che WA_SECRETS_FILE indichi un file JSON leggibile nella forma {"<ref>": "<valore del segreto>"}.',
  SECRETS_FILE_EXPOSED:
    'Il file dei segreti è leggibile da altri utenti della macchina, quindi il worker lo rifiuta (come ssh con le chiavi private). Eseguire chmod 600 sul file (lettura/scrittura solo per il proprietario), lasciarlo di proprietà dell\'utente del worker e sostituire i segreti che contiene se altri potrebbero averli copiati.',
  SECRET_MISSING: 'L\'archivio dei segreti contiene un segreto vuoto per questo riferimento: salvare il Valore del segreto client.',
  TENANT_NOT_FOUND:
    'Verificare l\'ID tenant: interfaccia di amministrazione di Microsoft Entra > Identità > Panoramica (Overview) > ID tenant (oppure il dominio .onmicrosoft.com del tenant).',
  APP_NOT_FOUND:
    'Nessuna app con questo ID client nel tenant. Interfaccia di amministrazione di Microsoft Entra > Identità > Applicazioni > Registrazioni app (App registrations): copiare l\'"ID applicazione (client)" dell\'app WineAround e verificare che sia registrata in questo tenant.',
  INVALID_SECRET:
    'Il segreto client è errato. In Registrazioni app > l\'app > Certificati e segreti (Certificates & secrets) creare un nuovo segreto client e consegnare a WineAround il suo Valore (Value), non l\'ID segreto (Secret ID).',
  SECRET_EXPIRED:
    'Il segreto client è scaduto. In Registrazioni app > l\'app > Certificati e segreti (Certificates & secrets) aggiungere un nuovo segreto client, consegnare a WineAround il suo Valore (Value), poi eliminare quello scaduto.',
  SECRET_EXPIRING:
    'Il segreto client scade a breve. Interfaccia di amministrazione di Microsoft Entra > Identità > Applicazioni > Registrazioni app > l\'app > Certificati e segreti: aggiungere un nuovo segreto client, consegnare a WineAround il suo Valore ed eliminare il vecchio quando l\'integrazione usa quello nuovo.',
  CERTIFICATE_REJECTED:
    'Microsoft Entra non accetta il certificato: non è caricato in questa registrazione app, oppure la chiave privata archiviata appartiene a un altro certificato. In Registrazioni app > l\'app > Certificati e segreti (Certificates & secrets) > Certificati, confrontare la colonna Identificazione personale (Thumbprint) con l\'impronta SHA-1 indicata nell\'evidenza; caricare il certificato (il file .crt / .pem, mai la chiave) oppure archiviare con il riferimento la chiave e il certificato caricati (docs/setup.it.md, passaggio 4a).',
  CERTIFICATE_EXPIRED:
    'Il certificato è scaduto. Crearne uno nuovo (docs/setup.it.md, passaggio 4a), caricarlo in Registrazioni app > l\'app > Certificati e segreti > Certificati, archiviarlo con un nuovo riferimento e passare a quello con "wa-outlook update-config --secret-ref", poi eliminare il certificato scaduto.',
  CERTIFICATE_EXPIRING:
    'Il certificato scade a breve. Crearne uno nuovo (docs/setup.it.md, passaggio 4a), caricarlo in Interfaccia di amministrazione di Microsoft Entra > Identità > Applicazioni > Registrazioni app > l\'app > Certificati e segreti > Certificati, consegnare a WineAround la nuova chiave e il nuovo certificato ed eliminare il vecchio certificato quando l\'integrazione usa quello nuovo.',
  CERTIFICATE_UNREADABLE:
    'Il valore archiviato con questo riferimento sembra un certificato ma non è utilizzabile (vedere il messaggio). Archiviare la chiave privata non cifrata seguita dal certificato in un unico testo PEM, oppure in WA_SECRETS_FILE l\'oggetto {"privateKey": "<PEM>", "certificate": "<PEM>"} (docs/setup.it.md, passaggio 4a).',
  CLOCK_SKEW:
    'Microsoft Entra ha trovato l\'asserzione firmata fuori dal suo periodo di validità: l\'orologio del worker è sbagliato. Sincronizzare l\'orologio del server (NTP) e verificarne il fuso orario.',
  CLIENT_ASSERTION_INVALID:
    'Microsoft Entra ha rifiutato la forma dell\'asserzione firmata (destinatario, emittente o intestazione). Verificare MS_AUTHORITY_HOST e segnalare l\'evidenza al team tecnico di WineAround.',
  CONSENT_MISSING:
    'L\'app non ha l\'autorizzazione applicazione Calendars.ReadWrite con consenso amministratore. Registrazioni app > l\'app > Autorizzazioni API (API permissions) > Aggiungi un\'autorizzazione > Microsoft Graph > Autorizzazioni applicazione (Application permissions) > Calendars.ReadWrite, poi "Concedi il consenso amministratore per <tenant>" (Grant admin consent). Un\'autorizzazione delegata (Delegated) non funziona.',
  ACCESS_POLICY_DENIED:
    'Un criterio di accesso alle applicazioni di Exchange (ApplicationAccessPolicy) o un ambito RBAC per le applicazioni esclude questa cassetta postale. In Exchange Online PowerShell verificare con Test-ApplicationAccessPolicy -Identity <mailbox> -AppId <client id> (oppure Test-ServicePrincipalAuthorization -Identity <client id> -Resource <mailbox>) e aggiungere la cassetta postale al gruppo o all\'ambito del criterio.',
  MAILBOX_NOT_FOUND:
    'Nessun utente con questo nome nel tenant. Interfaccia di amministrazione di Microsoft 365 > Utenti > Utenti attivi (Active users): verificare il nome dell\'entità utente (UPN) dell\'utente dedicato al calendario.',
  NO_EXCHANGE_LICENSE:
    'L\'utente non ha una cassetta postale di Exchange Online. Interfaccia di amministrazione di Microsoft 365 > Utenti > Utenti attivi > l\'utente > Licenze e app (Licenses and apps): assegnare una licenza che includa Exchange Online, poi attendere la creazione della cassetta postale.',
  TOKEN_REJECTED: 'Graph ha rifiutato il token di accesso. Verificare che app e cassetta postale siano nello stesso tenant e che l\'orologio del server sia corretto.',
  GRAPH_REJECTED: 'Graph ha rifiutato la richiesta come non valida; vedere l\'evidenza e segnalarla al team tecnico di WineAround se persiste.',
  UNAVAILABLE: 'Microsoft Entra o Graph non erano raggiungibili o disponibili. Ripetere la diagnosi tra qualche minuto; se persiste, verificare la rete tra il worker e Microsoft.',
  WRITE_PROBE_FAILED: 'Non è stato possibile scrivere e rileggere l\'evento di prova. Ripetere la diagnosi; se persiste, segnalare l\'evidenza al team tecnico di WineAround.',
  PROBE_NOT_REMOVED:
    'L\'evento di prova "WineAround connection test" (1 gennaio 2000) potrebbe essere rimasto nel calendario. Eliminarlo in Outlook e ripetere la diagnosi.',
  CALENDAR_SHARED_WRITABLE:
    'Chi ha accesso in modifica o come delegato cambia gli eventi sincronizzati, che la sincronizzazione poi sovrascrive o ricrea. In Outlook sul web, con l\'utente del calendario: Calendario > Condividi > impostare queste persone su "Può visualizzare tutti i dettagli". Oppure in Exchange Online PowerShell: Set-MailboxFolderPermission -Identity "<mailbox>:\\Calendario" -User <persona> -AccessRights Reviewer.',
  CALENDAR_NOT_SHARED:
    'Solo l\'utente del calendario può leggere le prenotazioni. In Outlook sul web, con l\'utente del calendario: Calendario > Condividi > aggiungere il personale con "Può visualizzare tutti i dettagli". Oppure in Exchange Online PowerShell: Add-MailboxFolderPermission -Identity "<mailbox>:\\Calendario" -User <persona> -AccessRights Reviewer.',
  SHARING_UNREADABLE:
    'Verificare la condivisione a mano: Outlook sul web, con l\'utente del calendario: Calendario > Condividi; il personale deve avere solo "Può visualizzare tutti i dettagli".',
  FEED_NOT_FOUND: 'L\'URL del feed WineAround risponde 404. Copiare di nuovo l\'URL del feed iCal da WineAround e aggiornare --feed.',
  FEED_ACCESS_DENIED: 'Il feed WineAround rifiuta l\'accesso (il suo token potrebbe essere stato rigenerato). Copiare di nuovo l\'URL del feed iCal da WineAround e aggiornare --feed.',
  FEED_INVALID: 'Il feed WineAround non ha risposto con un documento iCalendar. Verificare l\'URL del feed.',
  FEED_HTTP_ERROR: 'Il feed WineAround ha risposto con uno stato inatteso. Verificare l\'URL del feed.',
  FEED_UNAVAILABLE: 'Il feed WineAround non è disponibile in questo momento; ripetere la diagnosi tra qualche minuto.',
  FEED_TIMEOUT: 'Il feed WineAround non ha risposto in tempo; ripetere la diagnosi tra qualche minuto.',
  FEED_NETWORK: 'Il feed WineAround non è raggiungibile; verificare l\'URL del feed e la rete del worker.',
  FEED_URL_NOT_GIVEN: 'Indicare l\'URL del feed iCal di WineAround con --feed per verificare anche il feed.',
  TOKEN_UNREADABLE: 'Nulla da fare se i controlli seguenti vanno a buon fine: il token di accesso non è leggibile qui, quindi sono le risposte di Graph a mostrare se contiene Calendars.ReadWrite.',
  BLOCKED: 'Risolvere prima il controllo fallito indicato sopra.',
};

/** The fix for a code in a language, with the setup's own mailbox and client id filled in. */
export function fixFor(code: string, lang: Lang, target?: Pick<DiagnosisTargetSummary, 'mailbox' | 'clientId'>): string {
  const text = lang === 'it' ? FIXES_IT[code] : (ADVICE[code] ?? FIXES_EN[code]);
  if (!text || !target) return text ?? '';
  return text.replaceAll('<mailbox>', target.mailbox).replaceAll('<client id>', target.clientId);
}

export function blockedSentence(blockedBy: string, lang: Lang): string {
  const title = CHECK_TITLES[blockedBy as CheckId]?.[lang] ?? blockedBy;
  return lang === 'it' ? `Non verificato: prima è fallito "${title}".` : `Not checked: "${title}" failed first.`;
}
