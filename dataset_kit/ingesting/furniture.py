"""Recognise page furniture: the lines of a page dump that are not the article.

A dump of a news page holds navigation ("Skip to content"), share buttons, cookie
banners, newsletter forms, feeds of other stories with their times, "Read also:"
links, credits, comment forms and footers around and inside the article. This module
classifies one line at a time from general signals that hold across sites and
languages:

* known furniture phrases, matched as the whole line (a button label such as
  "Subscribe" or "Teilen") or as the start of the line ("Read also: ...",
  "Reporting by ..."), in English, German, French, Spanish, Italian, Dutch and
  Portuguese;
* phrases that mark a line anywhere in it (cookie consent, copyright notices,
  "indicates required", "min read");
* the shape of the line: a bare time or "3 hours ago" (a feed entry), a bare URL, a
  chain of short items joined by ``|`` or ``>`` (menus and breadcrumbs).

Each category says what it means for the article around it (see :data:`TERMINAL`
and :data:`INLINE`): a *terminal* line ("Related", "News Feed", "Leave a Reply", a
copyright notice, a bare feed time) ends the article body; an *inline* line ("Read
also: ...", "Advertisement", a photo credit) is dropped and the body goes on; other
furniture is dropped and counts towards a run of non-article lines, which also ends
the body (see :mod:`.extract`).
"""

# Typographic dashes, quotes and arrows are what page dumps contain: match them.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import re

# Categories whose appearance after the body has started ends the body.
TERMINAL = frozenset(
    {
        "related",
        "comments",
        "form",
        "footer",
        "credits",
        "breaking",
        "tags",
        "share-heading",
        "author-bio",
        "time",
    }
)
# Categories dropped from inside the body without ending it.
INLINE = frozenset({"read-also", "ad", "caption"})

_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
# Characters that decorate a label without changing it: "Related »", "More news ›".
_DECORATION = " \t:;.,!?*#|>»›→←‹«<-–—•·»❯▶►▸…()[]"

# The CJK full stop and full-width marks end sentences in Chinese and Japanese.
SENTENCE_END = re.compile(r"[.!?…。！？](?:[\"'”’»)\]」』）]+)?$|[\"”»」』]$")


def words_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``, for vocabularies written as prose."""
    return frozenset(text.split())


def normalise(line: str) -> str:
    """Collapse every kind of space to one, drop invisible characters, strip."""
    if _INVISIBLE.search(line):
        line = _INVISIBLE.sub("", line)
    # str.split() splits on every Unicode space (NBSP, thin spaces, ...) and is far
    # cheaper than a regular expression on the many lines that need nothing done.
    return " ".join(line.split())


def _phrases(category: str, *items: str) -> dict[str, str]:
    return dict.fromkeys(items, category)


# Whole-line labels, compared after lower-casing and stripping _DECORATION.
EXACT: dict[str, str] = {
    **_phrases(
        "nav",
        "skip to content",
        "skip to main content",
        "skip to navigation",
        "skip to main navigation",
        "skip to footer",
        "jump to content",
        "jump to navigation",
        "zum inhalt springen",
        "zum hauptinhalt springen",
        "direkt zum inhalt",
        "zur navigation springen",
        "zum inhalt",
        "zur startseite",
        "zurück zur startseite",
        "back to home",
        "back to homepage",
        "aller au contenu",
        "aller au contenu principal",
        "passer au contenu",
        "ir al contenido",
        "saltar al contenido",
        "saltar al contenido principal",
        "vai al contenuto",
        "salta al contenuto",
        "naar inhoud springen",
        "ga naar inhoud",
        "pular para o conteúdo",
        "ir para o conteúdo",
        "menu",
        "main menu",
        "open menu",
        "close menu",
        "toggle menu",
        "toggle navigation",
        "navigation",
        "hauptmenü",
        "menü",
        "search",
        "search for",
        "suche",
        "suchen",
        "rechercher",
        "buscar",
        "cerca",
        "zoeken",
        "home",
        "homepage",
        "startseite",
        "accueil",
        "inicio",
        "log in",
        "login",
        "log out",
        "sign in",
        "sign out",
        "register",
        "my account",
        "anmelden",
        "abmelden",
        "registrieren",
        "mein konto",
        "se connecter",
        "iniciar sesión",
        "accedi",
        "inloggen",
        "edit",
        "edit post",
        "edit article",
        "close",
        "schließen",
        "back to top",
        "back to top of page",
        "nach oben",
        "zurück",
        "back",
        "subscribe now",
        "e-paper",
        "epaper",
        "live tv",
        "watch live",
        "sections",
        "ressorts",
        "rubriken",
        "all sections",
        "more",
        "mehr",
        "english",
        "deutsch",
        "français",
        "español",
        "italiano",
        "українська",
        "русский",
        "language",
        "sprache",
        "dark mode",
        "light mode",
    ),
    **_phrases(
        "share",
        "share",
        "share this article",
        "share this story",
        "share this post",
        "share article",
        "share on facebook",
        "share on twitter",
        "share on x",
        "share on linkedin",
        "share on whatsapp",
        "share on pinterest",
        "share on reddit",
        "share on threads",
        "share on bluesky",
        "share via whatsapp",
        "share via email",
        "pin it",
        "pin",
        "pin this",
        "save to pinterest",
        "tweet this",
        "email this",
        "email this article",
        "email article",
        "print this",
        "print this article",
        "print article",
        "print page",
        "send by email",
        "per e-mail senden",
        "per e-mail teilen",
        "sms",
        "messenger",
        "copied",
        "share story",
        "share page",
        "share via e-mail",
        "tweet",
        "facebook",
        "twitter",
        "x",
        "x (twitter)",
        "linkedin",
        "whatsapp",
        "email",
        "e-mail",
        "mail",
        "print",
        "pinterest",
        "reddit",
        "telegram",
        "threads",
        "bluesky",
        "mastodon",
        "flipboard",
        "pocket",
        "tumblr",
        "copy link",
        "copy url",
        "link copied",
        "link kopieren",
        "teilen",
        "artikel teilen",
        "drucken",
        "partager",
        "imprimer",
        "compartir",
        "imprimir",
        "condividi",
        "stampa",
        "delen",
        "compartilhar",
        "like",
        "loading",
        "gefällt mir",
        "save",
        "save article",
        "bookmark",
        "merken",
        "gift this article",
        "comment",
        "follow",
        "follow us",
        "folgen",
        "folgen sie uns",
        "suivez-nous",
        "síguenos",
        "seguici",
    ),
    **_phrases(
        "share-heading",
        "share this",
        "like this",
        "share this entry",
        "diesen artikel teilen",
        "teilen sie diesen artikel",
        "partager cet article",
        "comparte este artículo",
    ),
    **_phrases(
        "related",
        "read next",
        "read more",
        "more news",
        "more stories",
        "more from",
        "more on this story",
        "more on this topic",
        "more in",
        "more articles",
        "latest",
        "latest news",
        "latest stories",
        "latest articles",
        "news feed",
        "newsfeed",
        "live feed",
        "top stories",
        "top news",
        "related",
        "related articles",
        "related stories",
        "related posts",
        "related content",
        "related coverage",
        "related news",
        "related topics",
        "editors' picks",
        "editor's picks",
        "editors picks",
        "editors’ picks",
        "editor’s picks",
        "most read",
        "most popular",
        "most viewed",
        "most shared",
        "popular",
        "popular now",
        "popular stories",
        "trending",
        "trending now",
        "trending stories",
        "recommended",
        "recommended for you",
        "recommended stories",
        "you may also like",
        "you might also like",
        "you may have missed",
        "don't miss",
        "don’t miss",
        "what to read next",
        "keep reading",
        "further reading",
        "in other news",
        "from around the web",
        "sponsored stories",
        "mehr zum thema",
        "mehr aus diesem ressort",
        "mehr nachrichten",
        "weitere artikel",
        "weitere nachrichten",
        "weitere themen",
        "meistgelesen",
        "meistgelesene artikel",
        "am meisten gelesen",
        "das könnte sie auch interessieren",
        "das könnte dich auch interessieren",
        "auch interessant",
        "empfehlungen",
        "top-themen",
        "neueste artikel",
        "aktuelle nachrichten",
        "lesen sie auch",
        "à lire aussi",
        "lire aussi",
        "sur le même sujet",
        "les plus lus",
        "à lire également",
        "te puede interesar",
        "lo más leído",
        "más noticias",
        "noticias relacionadas",
        "leggi anche",
        "i più letti",
        "potrebbe interessarti",
        "lees ook",
        "meest gelezen",
        "leia também",
        "mais lidas",
    ),
    **_phrases(
        "comments",
        "comments",
        "kommentare",
        "commentaires",
        "comentarios",
        "commenti",
        "reacties",
        "comentários",
        "leave a reply",
        "leave a comment",
        "add a comment",
        "add comment",
        "post a comment",
        "join the conversation",
        "join the discussion",
        "discussion",
        "responses",
        "reply",
        "cancel reply",
        "kommentar schreiben",
        "schreibe einen kommentar",
        "kommentar verfassen",
        "laisser un commentaire",
        "laisser une réponse",
        "deja una respuesta",
        "deja un comentario",
        "lascia un commento",
        "lascia un commento qui",
        "deixe um comentário",
    ),
    **_phrases(
        "form",
        "name",
        "website",
        "post comment",
        "submit comment",
        "kommentar abschicken",
        "webseite",
    ),
    **_phrases(
        "newsletter",
        "submit",
        "send",
        "absenden",
        "enter your email",
        "enter your email address",
        "your email",
        "your name",
        "email address",
        "e-mail-adresse",
        "ihre e-mail-adresse",
    ),
    **_phrases(
        "newsletter",
        "subscribe",
        "sign up",
        "sign up now",
        "newsletter",
        "newsletters",
        "join",
        "join now",
        "join us",
        "donate",
        "support us",
        "get the newsletter",
        "subscribe to our newsletter",
        "sign up for our newsletter",
        "newsletter abonnieren",
        "jetzt abonnieren",
        "abonnieren",
        "jetzt anmelden",
        "zum newsletter anmelden",
        "s'abonner",
        "s’abonner",
        "abonnez-vous",
        "suscríbete",
        "suscribirse",
        "iscriviti",
        "abonneren",
        "assine",
        "inscreva-se",
        "indicates required",
        "required",
    ),
    **_phrases(
        "cookie",
        "accept",
        "accept all",
        "accept all cookies",
        "accept cookies",
        "allow all",
        "allow cookies",
        "reject all",
        "reject",
        "decline",
        "deny",
        "i agree",
        "agree",
        "got it",
        "ok",
        "okay",
        "manage preferences",
        "manage cookies",
        "manage settings",
        "cookie settings",
        "cookie preferences",
        "customize",
        "customise",
        "more options",
        "alle akzeptieren",
        "akzeptieren",
        "alle ablehnen",
        "ablehnen",
        "einstellungen",
        "zustimmen",
        "einverstanden",
        "nur notwendige",
        "tout accepter",
        "tout refuser",
        "accepter",
        "refuser",
        "aceptar",
        "rechazar",
        "aceptar todo",
        "accetta",
        "rifiuta",
        "accetta tutto",
        "accepteren",
        "aceitar",
    ),
    **_phrases(
        "footer",
        "privacy",
        "privacy policy",
        "privacy notice",
        "cookie policy",
        "terms",
        "terms of use",
        "terms of service",
        "terms and conditions",
        "terms & conditions",
        "accessibility",
        "contact",
        "contact us",
        "about",
        "about us",
        "advertise",
        "advertise with us",
        "careers",
        "jobs",
        "sitemap",
        "site map",
        "rss",
        "help",
        "faq",
        "imprint",
        "legal notice",
        "impressum",
        "datenschutz",
        "datenschutzerklärung",
        "kontakt",
        "agb",
        "barrierefreiheit",
        "über uns",
        "mentions légales",
        "politique de confidentialité",
        "aviso legal",
        "política de privacidad",
        "contacto",
        "note legali",
        "contatti",
        "do not sell my personal information",
        "do not sell or share my personal information",
        "your privacy choices",
    ),
    **_phrases(
        "tags",
        "tags",
        "topics",
        "themen",
        "schlagwörter",
        "schlagworte",
        "filed under",
        "categories",
        "category",
        "posted in",
        "mots-clés",
        "etiquetas",
        "temas",
        "argomenti",
    ),
    **_phrases(
        "author-bio",
        "about the author",
        "about the authors",
        "more by this author",
        "more from this author",
        "über den autor",
        "über die autorin",
        "zur person",
        "à propos de l'auteur",
        "sobre el autor",
    ),
    **_phrases(
        "read-also",
        "read also",
        "also read",
        "see also",
        "lesen sie auch",
        "lesen sie mehr",
        "siehe auch",
        "lire aussi",
        "leggi anche",
        "lee también",
        "leia também",
    ),
    **_phrases(
        "ad",
        "advertisement",
        "advertising",
        "ad",
        "ads",
        "sponsored",
        "sponsored content",
        "paid content",
        "partner content",
        "promoted",
        "anzeige",
        "werbung",
        "publicité",
        "publicidad",
        "pubblicità",
        "advertentie",
        "publicidade",
        "story continues below advertisement",
        "story continues below",
        "article continues below",
        "continue reading below",
        "continue reading",
        "scroll to continue",
        "scroll to continue with content",
        "skip advertisement",
        "ad feedback",
        "weiterlesen nach der anzeige",
        "weiter nach der anzeige",
        "artikel wird unter der anzeige fortgesetzt",
    ),
    **_phrases(
        "audio",
        "listen",
        "listen to this article",
        "listen to article",
        "listen to this story",
        "play audio",
        "audio",
        "artikel anhören",
        "anhören",
        "vorlesen",
        "artikel vorlesen",
        "écouter",
        "escuchar",
        "ascolta",
        "watch",
        "watch video",
        "video",
        "photo",
        "photos",
        "gallery",
        "image",
        "bild",
        "foto",
        "fotos",
        "bildergalerie",
        "expand",
        "enlarge",
        "enlarge image",
        "open image",
        "vergrößern",
    ),
    **_phrases(
        "breaking",
        "breaking",
        "breaking news",
        "live",
        "just in",
        "developing story",
        "eilmeldung",
    ),
}

# Labels that start a line; the line is furniture whatever follows the separator.
_PREFIX_RULES: tuple[tuple[str, str, int], ...] = (
    # (category, pattern, maximum words of a line that the label condemns)
    (
        "read-also",
        r"(?:read also|also read|read more|see also|more on this|related|related story|"
        r"related article|related coverage|recommended|watch|watch also|listen|"
        r"more|more news|further reading|"
        r"lesen sie auch|lesen sie mehr|mehr dazu|mehr zum thema|auch interessant|"
        r"weiterlesen|siehe auch|zum thema|passend dazu|hintergrund|"
        r"lire aussi|à lire aussi|à lire|voir aussi|"
        r"lee también|lea también|leer también|ver también|relacionado|"
        r"leggi anche|vedi anche|lees ook|leia também|leia mais|veja também"
        r")\s*[:|»›>\-–—]",
        40,
    ),
    (
        "credits",
        r"\(?(?:reporting|additional reporting|writing|editing|edited|compiled|produced|"
        r"research|graphics|translation|translated|fact-checked|verification|"
        r"reported and written|photography|photos|video production) by\b",
        60,
    ),
    (
        "credits",
        r"(?:mit material (?:von|der)|mitarbeit\s*:|mit informationen von|redaktion\s*:|"
        r"übersetzung\s*:|source de l'article)",
        25,
    ),
    ("caption", r"(?:quelle|quellen|sources?|fuente|fonte)\s*:", 25),
    (
        "breaking",
        r"(?:breaking(?: news)?|just in|developing|eilmeldung|live|urgent)\s*[:|\-–—]",
        30,
    ),
    (
        "tags",
        r"(?:tags|tagged|tagged with|labels|topics|themen|schlagwörter|schlagworte|filed under|"
        r"categories|category|posted in|kategorien|kategorie|mots-clés|etiquetas|"
        r"argomenti|trefwoorden)\s*:",
        40,
    ),
    (
        "caption",
        r"(?:photo|photos|photograph|photographs|photography|image|images|picture|foto|fotos|"
        r"fotografie|bild|bilder|credit|credits|"
        r"illustration|grafik|video|source image|top image|main image|header image|"
        r"featured image|imagen|immagine|afbeelding)\s*(?:credit)?\s*:",
        50,
    ),
    ("caption", r"\((?:photo|photos|image|foto|bild|picture|illustration)\b", 50),
    (
        "comments",
        r"(?:(?:\d+|one|no)\s+)?(?:comments?|responses?|replies|kommentare?|commentaires?|"
        r"comentarios?|commenti|reacties)(?:\s*\(\d+\)|\s*:?\s*\d+)?"
        r"(?:\s+(?:on|to|zu|sur|so far)\b.*)?\s*:?$",
        6,
    ),
    ("comments", r"(?:\d+|one|no)\s+thoughts? on\b", 25),
    (
        "comments",
        r"(?:leave a (?:reply|comment)|schreibe einen kommentar|laisser un commentaire)",
        8,
    ),
    (
        "author-bio",
        r"(?:about the author|über den autor|über die autorin|more articles by|"
        r"more from this author|view all posts by|alle beiträge von|see more by)\b",
        12,
    ),
    ("related", r"(?:explore more on|more on these topics|more on this story|more from)\b", 8),
    (
        "share",
        r"(?:share|teilen|partager|compartir|condividi|delen)\s+(?:on|via|auf|sur|en|su)\b",
        10,
    ),
    ("share", r"(?:click to (?:share|email|print)|opens in (?:a )?new window)", 15),
    ("share", r"(?:reuse this content|view this post on|a post shared by|pic\.twitter\.com)", 20),
    ("nav", r"(?:you are here|sie sind hier|vous êtes ici|usted está en)\s*:?", 20),
    ("nav", r"this (?:article|story|page) is more than \d+ (?:years?|months?|days?) old", 12),
    ("nav", r"(?:back to|zurück zu|zurück zur|retour à)\s", 6),
    ("nav", r"(?:newer|older|previous|next) (?:post|article|entry|story)\b", 8),
    ("caption", r"(?:image|photo|picture|bild|foto|item|slide) \d+ (?:of|von|de|di) \d+", 60),
    ("audio", r"(?:listen|play|anhören|écouter)\b.*\d+:\d\d", 8),
    (
        "share",
        r"follow (?:us|[\w.@'’-]+(?: [\w.@'’-]+){0,3}) on (?:facebook|twitter|x|instagram|"
        r"telegram|tiktok|youtube|linkedin|threads|bluesky|mastodon|whatsapp|google news)\b",
        25,
    ),
)
_PREFIX = [(category, re.compile(pattern), limit) for category, pattern, limit in _PREFIX_RULES]
# One pass over the line finds out whether any rule could apply; most article lines
# match none, and only lines that do go through the rules one by one.
_ANY_PREFIX = re.compile("|".join(f"(?:{pattern})" for _, pattern, _ in _PREFIX_RULES))

# Phrases that mark a line wherever they appear (compared lower-cased).
_ANYWHERE_RULES: tuple[tuple[str, tuple[str, ...], str, int], ...] = (
    # (category, substrings one of which the line must contain before the pattern is
    # tried (searching a long line with a big pattern is slow; a substring test is not),
    # pattern, maximum words of a line that the phrase condemns)
    (
        "cookie",
        (
            "cookie",
            "partner",
            "privacy choices",
            "consent",
            "zustimmung",
            "by continuing",
            "wenn sie diese",
            "privacy",
            "privatsphäre",
        ),
        r"\bcookies?\b.*\b(?:consent|accept|agree|settings|preferences|polic(?:y|ies)|"
        r"partners?|browsing|browse|personali[sz]e|analytics|zustimm|einwillig|akzeptier|"
        r"datenschutz|consentement|consentimiento|consenso|toestemming)"
        r"|\b(?:we|this site|this website|our site) (?:uses?|sets?) cookies\b"
        r"|\b(?:wir verwenden|wir nutzen|wir setzen|diese (?:website|seite) (?:verwendet|nutzt))"
        r" cookies\b|\b(?:utilise|utilisons|utilizamos|usamos|utilizziamo|gebruikt|gebruiken)"
        r" (?:des |de )?cookies\b"
        r"|\b(?:we value your privacy|we care about your privacy|your privacy is important|"
        r"wir respektieren ihre privatsphäre|ihre privatsphäre ist uns wichtig|"
        r"we and our partners|wir und unsere partner|your privacy choices|"
        r"consent preferences|manage consent|zustimmung verwalten|"
        r"by continuing to (?:browse|use)|wenn sie diese (?:website|seite) (?:weiter )?nutzen)",
        90,
    ),
    (
        "footer",
        (
            "©",
            "(c)",
            "copyright",
            "reserved",
            "vorbehalten",
            "réservés",
            "reservados",
            "riservati",
            "voorbehouden",
        ),
        r"©|\(c\)\s*\d{4}|^copyright\b|\bcopyright\s*(?:\(c\)|\d{4})|\ball rights reserved\b|"
        r"\balle rechte vorbehalten\b|"
        r"\btous droits réservés\b|\btodos los derechos reservados\b|"
        r"\btutti i diritti riservati\b|\balle rechten voorbehouden\b|"
        r"\btodos os direitos reservados\b",
        40,
    ),
    (
        "footer",
        ("privacy policy", "terms of", "impressum", "datenschutz", "mentions légales"),
        r"\bprivacy policy\b.*\bterms\b|\bterms of (?:use|service)\b|\bimpressum\b.*\bdatenschutz|"
        r"\bdatenschutz\b.*\bimpressum\b|\bmentions légales\b",
        25,
    ),
    (
        "form",
        (
            "will not be published",
            "required fields",
            "save my name",
            "notify me",
            "akismet",
            "log in to reply",
            "logged in",
            "e-mail-adresse wird",
            "felder sind",
            "ne sera pas",
            "no será",
            "non sarà",
        ),
        r"\b(?:your email address will not be published|required fields are marked|"
        r"save my name, email|notify me of (?:new|follow-up)|this site uses akismet|"
        r"log in to reply|logged in as|you must be logged in|ihre e-mail-adresse wird nicht"
        r"|erforderliche felder sind|pflichtfelder sind|votre adresse e-mail ne sera pas|"
        r"tu dirección de correo electrónico no será|il tuo indirizzo email non sarà)",
        40,
    ),
    (
        "newsletter",
        (
            "subscri",
            "sign up",
            "newsletter",
            "mail",
            "required",
            "inbox",
            "thank you for",
            "anmelden",
            "registrieren",
            "abonn",
            "inscrivez",
            "suscr",
            "iscriviti",
            "journalism",
            "become a",
            "becoming a",
            "help us",
            "support our",
            "donat",
            "supporter",
        ),
        r"\b(?:subscribe to|subscribe for|sign up for|sign up to|sign up and|"
        r"our newsletter|this newsletter|daily newsletter|weekly newsletter|"
        r"newsletter sign|enter your e-?mail|your e-?mail address|e-?mail address|"
        r"indicates required|required field|successfully subscribed|successfuly subscribed|"
        r"you(?:'|’)re subscribed|thank you for (?:signing up|subscribing)|"
        r"confirmation e-?mail|in your inbox|to your inbox|straight to your inbox|"
        r"unsubscribe at any time|newsletter abonnieren|zum newsletter|unseren newsletter|"
        r"newsletter bestellen|ihre e-mail-adresse|jetzt anmelden|jetzt registrieren|"
        r"abonnez-vous|inscrivez-vous|suscríbete|iscriviti alla|"
        r"support (?:our|independent) journalism|become a (?:member|subscriber|patron)|"
        r"becoming a (?:member|subscriber|patron)|help us keep|support our (?:work|reporting)|"
        r"make a donation|donate now|become a supporter|"
        r"already a subscriber|subscribe now|subscribers only|for subscribers)\b",
        40,
    ),
    (
        "audio",
        (
            "audio",
            "assistance",
            "listen",
            "speech",
            "voice",
            "read",
            "lesezeit",
            "lecture",
            "lectura",
            "lettura",
            "leestijd",
        ),
        r"\b(?:this audio is|audio is (?:created|generated)|ai assistance|ai-generated audio|"
        r"listen to (?:this|the) (?:article|story)|text-to-speech|automated voice|"
        r"\d+\s*(?:min|mins|minute|minutes)\.?\s*read\b|reading time|read time|lesezeit|"
        r"\d+\s*min\.?\s*lesezeit|minuten lesezeit|temps de lecture|tiempo de lectura|"
        r"tempo di lettura|leestijd)",
        20,
    ),
    (
        "ad",
        ("continues below", "continue reading", "advertisement", "scroll to", "anzeige"),
        r"\b(?:story continues below|article continues below|continue reading below|"
        r"advertisement\s*-\s*scroll|scroll to continue|weiterlesen nach der anzeige|"
        r"weiter nach der anzeige|artikel wird unter der anzeige)",
        20,
    ),
    (
        "caption",
        (
            "getty",
            "afp",
            "reuters",
            "ap photo",
            "photo",
            "foto",
            "bild",
            "image",
            "imago",
            "picture alliance",
            "dpa",
            "shutterstock",
            "istock",
            "licensing",
            "credit",
            "/",
            "unsplash",
        ),
        r"\bgetty images|\bafp via getty|/ ?afp\b|/ ?reuters\b|/ ?ap photo\b|\bap photo/|"
        r"\(photo by|\(photo:|\(foto:|\(bild:|\(image:|\bphoto credit|\bbildquelle|"
        r"\bimago images|\bpicture alliance|/ ?dpa\b|\bshutterstock|\bistock|"
        r"\bacquire licensing rights|\b(?:photo|foto|bild|image|credit)\s*:\s*[^:]{2,60}$|"
        r"\([^()]{2,60}/[^()]{2,40}\)\s*$|\bon unsplash$",
        40,
    ),
    (
        "share",
        ("follow", "folgen sie", "suivez", "síguenos", "seguici", "share"),
        r"\b(?:follow us on|folgen sie uns auf|suivez-nous sur|síguenos en|seguici su|"
        r"share this (?:article|story|post) on|share on (?:facebook|twitter|x|linkedin))\b",
        20,
    ),
)
_ANYWHERE = [
    (category, triggers, re.compile(pattern), limit)
    for category, triggers, pattern, limit in _ANYWHERE_RULES
]

_TIME_ONLY = re.compile(
    r"^(?:"
    r"\d{1,2}[:.]\d{2}(?:\s*(?:am|pm|a\.m\.|p\.m\.|uhr|h))?(?:\s+[a-z]{2,4})?"
    r"|\d{1,2}\s*(?:am|pm|a\.m\.|p\.m\.)"
    r"|(?:updated\s+|aktualisiert\s+)?(?:an?|one|\d+)\s+(?:seconds?|secs?|minutes?|mins?|hours?|"
    r"hrs?|h|days?|d|weeks?|months?)\s+ago"
    r"|(?:vor|il y a|hace|fa)\s+(?:einer?|\d+)\s+\w+"
    r"|\d+\s+(?:minuten|stunden|tagen|minutes|heures|jours|horas|días|ore|giorni)"
    r"(?:\s+(?:fa|ago))?"
    r"|yesterday|today|just now|gestern|heute|hier|aujourd'hui|ayer|hoy|ieri|oggi"
    r"|(?:yesterday|today|gestern|heute)[, ]+\d{1,2}[:.]\d{2}(?:\s*(?:am|pm|uhr))?"
    r")$"
)
_URL_ONLY = re.compile(r"^(?:https?://|www\.)\S+$")
_CHAIN_SPLIT = re.compile(r"\s+(?:[|>»›/•·]|::)\s+")
_CRUMB = re.compile(r"\s[>»›]\s")

# Section names that make up menus and breadcrumbs.
SECTIONS = words_set(
    """
    news world politics business economy economics markets finance money sport sports
    football culture arts opinion opinions comment science tech technology health
    education environment climate europe uk us usa u.s. asia africa americas
    middle east australia international national local region regional entertainment
    lifestyle travel food style fashion video videos podcasts podcast weather
    investigations features analysis live obituaries media games puzzles crosswords
    newsletters magazine books music film tv property cars motoring
    nachrichten politik wirtschaft kultur meinung wissen wissenschaft panorama inland
    ausland regional digital reise gesundheit gesellschaft sport bildung karriere
    finanzen geld auto leben stil unterhaltung
    actualités monde économie société culture politique
    noticias mundo política economía cultura deportes
    notizie mondo politica economia cronaca esteri
    nieuws binnenland buitenland
    home startseite
    """
)


# Button labels of share bars; a short line made only of these ("Share Tweet Pin
# Email", "Facebook X LinkedIn") is a share bar however the site spells it.
_SHARE_WORDS = words_set(
    """share shares tweet pin it email e-mail mail print facebook twitter x linkedin whatsapp
    pinterest reddit telegram threads bluesky mastodon flipboard pocket tumblr sms messenger
    copy link url save bookmark teilen drucken partager imprimer compartir imprimir condividi
    stampa delen on via this article post story"""
)


def _key(low: str) -> str:
    return low.strip(_DECORATION)


def classify(text: str, low: str, words: int) -> str | None:
    """Return the furniture category of one normalised line, or None for content.

    ``low`` is ``text.lower()`` and ``words`` its number of words (passed in because
    the caller needs both anyway).
    """
    if "©" in low and words <= 40:
        return "footer"
    if words <= 8:
        category = EXACT.get(_key(low))
        if category is not None:
            return category
        if _TIME_ONLY.match(low):
            return "time"
        if _URL_ONLY.match(low):
            return "url"
        if _is_share_bar(low):
            return "share"
        if _is_chain(low):
            return "nav"
    if words <= 60 and _ANY_PREFIX.match(low):
        for category, pattern, limit in _PREFIX:
            if words <= limit and pattern.match(low):
                return category
    for category, triggers, pattern, limit in _ANYWHERE:
        if words <= limit and any(t in low for t in triggers) and pattern.search(low):
            return category
    if words <= 12 and "|" in low and _is_chain(low):
        return "nav"
    if 8 < words <= 20 and _CRUMB.search(low) and _is_chain(low):
        return "nav"
    if words <= 15:
        if _LINK.search(low):
            return "url"
        if _SHORT_PROMO.search(low):
            return "newsletter"
    if not _LETTER.search(low):
        return "symbols"
    return None


_LINK = re.compile(r"https?://|www\.[a-z0-9-]+\.|\]\(")
_SHORT_PROMO = re.compile(r"\b(?:newsletters?|subscribe|subscription|abonnieren|abonnement)\b")
_LETTER = re.compile(r"[^\W\d_]")


def _is_chain(low: str) -> bool:
    """A menu or breadcrumb: short items joined by separators, or all section names."""
    parts = _CHAIN_SPLIT.split(low)
    if len(parts) >= 3 and all(len(part.split()) <= 4 for part in parts):
        return True
    if len(parts) == 2 and _CRUMB.search(low) and all(len(p.split()) <= 3 for p in parts):
        return True
    if (
        len(parts) >= 2
        and _CRUMB.search(low)
        and all(len(part.split()) <= 4 for part in parts[:-1])
        and (len(parts) >= 3 or all(t in SECTIONS for t in parts[0].split()))
    ):
        # A breadcrumb ends with the article's own headline, which may be long:
        # "Home » Kitchen » Bread in a cold kitchen".
        return True
    tokens = low.replace("&", " ").replace(",", " ").split()
    return bool(tokens) and len(tokens) <= 8 and all(t.strip(".") in SECTIONS for t in tokens)


def _is_share_bar(low: str) -> bool:
    tokens = [t.strip(_DECORATION) for t in low.split()]
    tokens = [t for t in tokens if t]
    # At least one token must be a real button word, not just "on this post".
    return (
        bool(tokens)
        and all(t in _SHARE_WORDS for t in tokens)
        and any(t not in _SHARE_FILLER for t in tokens)
    )


_SHARE_FILLER = words_set("it on via this article post story link url copy save")


def is_sentence_end(text: str) -> bool:
    """Whether the line ends like a sentence (., !, ?, … possibly before a quote)."""
    return SENTENCE_END.search(text) is not None
