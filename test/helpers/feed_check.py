#!/usr/bin/python3
"""Independent checks of feedrelay's RSS 2.0 and Atom 1.0 output, for test/helpers/validators.ts.

Run with Debian's /usr/bin/python3 (python3-feedparser is a Debian package; a pyenv python on PATH
does not see it). Reads a JSON list of {"path": FILE, "self": EXPECTED_SELF_URL|null} on stdin and
prints one JSON object per file (a list, in order):

- "expat": None, or the error of a strict, namespace-aware XML 1.0 parse (expat via ElementTree);
- "feedparser": what feedparser (Universal Feed Parser) read: bozo flag, version, feed and entries;
- "rules": [{"level": "error"|"warning", "rule": NAME, "where": PATH, "message": TEXT}], a
  best-effort re-implementation of the checks of the W3C Feed Validator
  (github.com/w3c/feedvalidator, src/feedvalidator/*.py). Rule names are the validator's
  message classes and the levels are its levels (logging.py: Error vs Warning), except
  DuplicateSelfLink, our own rule (exactly one rel="self" per feed).
"""
import datetime
import email.utils
import html
import html.parser
import json
import re
import sys
import xml.etree.ElementTree as ET

import feedparser

ATOM = 'http://www.w3.org/2005/Atom'
XML_NS = 'http://www.w3.org/XML/1998/namespace'
KNOWN_NS = {
    ATOM,
    'http://purl.org/dc/elements/1.1/',
    'http://purl.org/dc/terms/',
    'http://purl.org/rss/1.0/modules/content/',
    'http://www.itunes.com/dtds/podcast-1.0.dtd',
    'http://search.yahoo.com/mrss/',
    'http://purl.org/syndication/thread/1.0',
    'http://purl.org/syndication/history/1.0',
}

# validators.py
MIME_RE = re.compile(r'[^\s()<>,;:\\"/[\]?=]+/[^\s()<>,;:\\"/[\]?=]+(\s*;\s*[^\s()<>,;:\\"/[\]?=]+=("(\\"|[^"])*"|[^\s()<>,;:\\"/[\]?=]+))*$')
RFC2396_FULL_RE = re.compile(r"[a-zA-Z][0-9a-zA-Z+\-\.]*:(//)?[0-9a-zA-Z;/?:@&=+$\.\-_!~*'()%,#]+$")
UUID_RE = re.compile(r'^[Uu][Rr][Nn]:[Uu][Uu][Ii][Dd]:[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$')
URN_RE = re.compile(r"^[Uu][Rr][Nn]:[a-zA-Z0-9][a-zA-Z0-9-]{1,31}:([a-zA-Z0-9()+,\.:=@;$_!*'\-]|%[0-9A-Fa-f]{2})+$")
HTTP_URL_RE = re.compile(r'(http|https)://(([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|(([A-Z0-9\-]+\.)+))([A-Z0-9][-A-Z0-9]*)(?::\d+)?(/|$)', re.I)
EMAIL_RE = re.compile(r"([A-Z0-9_\-\+\.\']+)@(([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|(([A-Z0-9\-]+\.)+))([A-Z0-9][-A-Z0-9]*)$", re.I)
RFC2822_RE = re.compile(r'(((Mon)|(Tue)|(Wed)|(Thu)|(Fri)|(Sat)|(Sun)), )?\d\d? ((Jan)|(Feb)|(Mar)|(Apr)|(May)|(Jun)|(Jul)|(Aug)|(Sep)|(Oct)|(Nov)|(Dec)) \d\d\d\d \d\d:\d\d(:\d\d)? (([+-]?\d\d[03]0)|(UT)|(GMT)|(EST)|(EDT)|(CST)|(CDT)|(MST)|(MDT)|(PST)|(PDT)|Z)$')
RFC3339_RE = re.compile(r'^\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*)?(Z|([+-]\d\d:\d\d))$')
LANG_RE = re.compile(r'^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$')
HTML_END_TAG_RE = re.compile(r'</(\w+)>')
# link.py
LINK_RELS = {'alternate', 'current', 'describedby', 'edit', 'edit-media', 'enclosure', 'first', 'hub', 'last',
             'license', 'next', 'next-archive', 'payment', 'prev-archive', 'previous', 'related', 'replies',
             'search', 'self', 'service', 'up', 'via'}
RFC5005_RELS = {'current', 'first', 'last', 'next', 'next-archive', 'prev-archive', 'previous'}

RSS_CHANNEL = {'title', 'link', 'description', 'language', 'copyright', 'managingEditor', 'webMaster', 'pubDate',
               'lastBuildDate', 'category', 'generator', 'docs', 'cloud', 'ttl', 'image', 'rating', 'textInput',
               'skipHours', 'skipDays', 'item'}
RSS_CHANNEL_ONCE = RSS_CHANNEL - {'category', 'item'}
RSS_CHANNEL_TEXT = {'title', 'link', 'description', 'language', 'copyright', 'managingEditor', 'webMaster',
                    'pubDate', 'lastBuildDate', 'category', 'generator', 'docs', 'ttl'}
RSS_ITEM = {'title', 'link', 'description', 'author', 'category', 'comments', 'enclosure', 'guid', 'pubDate', 'source'}
RSS_ITEM_ONCE = {'title', 'link', 'description', 'author', 'comments', 'guid', 'pubDate', 'source'}
RSS_ITEM_TEXT = RSS_ITEM - {'enclosure'}


class Report:
    def __init__(self):
        self.events = []

    def error(self, rule, where, message=''):
        self.events.append({'level': 'error', 'rule': rule, 'where': where, 'message': message})

    def warning(self, rule, where, message=''):
        self.events.append({'level': 'warning', 'rule': rule, 'where': where, 'message': message})


def split(tag):
    if tag.startswith('{'):
        ns, local = tag[1:].split('}', 1)
        return ns, local
    return None, tag


def text_of(el):
    return el.text or ''


def check_chars(r, where, value):
    if any(0x80 <= ord(c) <= 0x9F or c == '\ufffd' for c in value):
        r.warning('BadCharacters', where)


def check_full_uri(r, where, value, rule='InvalidFullLink'):
    if value.lower().startswith('urn:'):
        if value.lower().startswith('urn:uuid:') and not UUID_RE.match(value):
            r.error('InvalidUUID', where, value)
        elif not URN_RE.match(value):
            r.error('InvalidURN', where, value)
        return
    if not RFC2396_FULL_RE.match(value):
        r.error(rule, where, value)
    elif value.split(':')[0].lower() in ('http', 'https', 'ftp') and not re.match(r'^\w+://[^/].*', value):
        r.error(rule, where, value)


def check_iri(r, where, value):
    # xmlbase/rfc3987: IRIs are allowed, so non-ASCII is fine; no spaces or markup characters.
    if not value or re.search(r'[\s<>"{}\\^`]', value) or not re.match(r'^[a-zA-Z][0-9a-zA-Z+\-.]*:', value):
        r.error('InvalidIRI', where, value)


def check_rfc822(r, where, value):
    if RFC2822_RE.match(value):
        parsed = email.utils.parsedate(value)
        try:
            if ',' in value:
                dow = datetime.date(*parsed[:3]).strftime('%a')
                if dow.lower() != value[:3].lower():
                    r.error('IncorrectDOW', where, value)
                    return
        except (TypeError, ValueError) as e:
            r.error('InvalidRFC2822Date', where, f'{value}: {e}')
            return
        if parsed[0] < 1990 or parsed[0] > datetime.date.today().year + 1:
            r.warning('ImplausibleDate', where, value)
    else:
        r.error('InvalidRFC2822Date', where, value)


def check_rfc3339(r, where, value):
    if not RFC3339_RE.match(value):
        r.error('InvalidRFC3339Date', where, value)
        return
    try:
        datetime.date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
    except ValueError as e:
        r.error('InvalidRFC3339Date', where, f'{value}: {e}')
        return
    if value < '1990-01-01' or int(value[0:4]) > datetime.date.today().year + 1:
        r.warning('ImplausibleDate', where, value)


def check_email_with_name(r, where, value):
    value = value.strip()
    if value.startswith('mailto:'):
        value = value[len('mailto:'):]
    addresses = email.utils.getaddresses([value])
    address = addresses[0][1] if len(addresses) == 1 else value
    if not EMAIL_RE.match(address):
        r.error('InvalidContact', where, value)
    elif not value.endswith(')'):
        r.warning('MissingRealName' if ' ' not in value else 'EmailFormat', where, value)


def check_nonhtml(r, where, value):
    tags = [t for t in HTML_END_TAG_RE.findall(value)]
    if tags:
        r.warning('ContainsHTML', where, tags[0])


def check_atom_link(r, where, el, parent_kind):
    rel = el.get('rel', 'alternate')
    if rel.startswith('http://www.iana.org/assignments/relation/'):
        rel = rel[len('http://www.iana.org/assignments/relation/'):]
    if rel not in LINK_RELS and not RFC2396_FULL_RE.match(rel):
        r.warning('UnregisteredAtomLinkRel', where, rel)
    if rel in RFC5005_RELS and parent_kind == 'entry':
        r.warning('FeedHistoryRelInEntry', where, rel)
    link_type = el.get('type')
    if link_type is not None:
        if not MIME_RE.match(link_type):
            r.error('InvalidMIMEType', where, link_type)
        elif rel == 'self' and link_type.split(';')[0] not in ('application/atom+xml', 'application/rss+xml', 'application/rdf+xml'):
            r.warning('SelfNotAtom', where, link_type)
    if el.get('title') is not None:
        if not el.get('title'):
            r.warning('AttrNotBlank', where, 'title')
        check_nonhtml(r, where + '/@title', el.get('title'))
        check_chars(r, where + '/@title', el.get('title'))
    if el.get('length') is not None and not re.match(r'^\d+$', el.get('length')):
        r.error('InvalidNonNegativeInteger', where, el.get('length'))
    if el.get('hreflang') is not None and not LANG_RE.match(el.get('hreflang')):
        r.error('InvalidLanguage', where, el.get('hreflang'))
    href = el.get('href')
    if href is None:
        r.error('MissingHref', where)
    else:
        check_iri(r, where + '/@href', href)
    for child in el:
        r.warning('AtomLinkNotEmpty', where)
        break
    if (el.text or '').strip():
        r.warning('AtomLinkNotEmpty', where)
    return rel


def check_self_links(r, where, links, expected_self):
    selfs = [l for l in links if l.get('rel') == 'self']
    if not selfs:
        r.warning('MissingAtomSelfLink', where)
    elif len(selfs) > 1:
        r.error('DuplicateSelfLink', where, ' '.join(l.get('href', '') for l in selfs))
    for link in selfs:
        href = link.get('href', '')
        if not re.match(r'^[a-zA-Z][0-9a-zA-Z+\-.]*://[^/]', href):
            r.warning('RelativeSelf', where, href)
        if expected_self is not None and href != expected_self:
            r.warning('SelfDoesntMatchLocation', where, f'{href} != {expected_self}')


def check_extension(r, where, el):
    ns, local = split(el.tag)
    if ns not in KNOWN_NS:
        r.warning('UnknownNamespace', where, ns or '')
    if ns in ('http://purl.org/dc/elements/1.1/', 'http://purl.org/rss/1.0/modules/content/'):
        for child in el:
            r.error('UndefinedElement', f'{where}/{child.tag}', 'element inside a text element')
        check_chars(r, where, text_of(el))


def rss_rules(root, expected_self):
    r = Report()
    if root.tag != 'rss':
        r.error('UndefinedElement', '/', f'root is {root.tag}, not rss')
        return r.events
    if root.get('version') != '2.0':
        r.error('InvalidRSSVersion', '/rss', str(root.get('version')))
    channels = [c for c in root if c.tag == 'channel']
    for child in root:
        if child.tag != 'channel':
            r.error('UndefinedElement', f'/rss/{child.tag}')
    if len(channels) != 1:
        r.error('MissingElement' if not channels else 'DuplicateElement', '/rss', 'channel')
        return r.events
    channel = channels[0]
    seen = {}
    atom_links = []
    item_seen = False
    for child in channel:
        ns, local = split(child.tag)
        where = f'/rss/channel/{child.tag}'
        if ns is None:
            if local not in RSS_CHANNEL:
                r.error('UndefinedElement', where)
                continue
            seen[local] = seen.get(local, 0) + 1
            if local == 'item':
                item_seen = True
                continue
            if item_seen:
                r.warning('MisplacedItem', where)
            if local in RSS_CHANNEL_TEXT:
                for grandchild in child:
                    r.error('UndefinedElement', f'{where}/{grandchild.tag}', 'element inside a text element')
                check_chars(r, where, text_of(child))
        elif ns == ATOM and local == 'link':
            atom_links.append(child)
            check_atom_link(r, where, child, 'channel')
        else:
            check_extension(r, where, child)
    for required, rule in (('title', 'MissingTitle'), ('link', 'MissingLink'), ('description', 'MissingDescription')):
        if required not in seen:
            r.error(rule, '/rss/channel', required)
    for name in RSS_CHANNEL_ONCE:
        if seen.get(name, 0) > 1:
            r.error('DuplicateElement', '/rss/channel', name)
    title = channel.find('title')
    if title is not None:
        if not text_of(title):
            r.warning('NotBlank', '/rss/channel/title')
        check_nonhtml(r, '/rss/channel/title', text_of(title))
    for name in ('link', 'docs'):
        el = channel.find(name)
        if el is not None:
            check_full_uri(r, f'/rss/channel/{name}', text_of(el))
    language = channel.find('language')
    if language is not None and not LANG_RE.match(text_of(language)):
        r.error('InvalidLanguage', '/rss/channel/language', text_of(language))
    for name in ('pubDate', 'lastBuildDate'):
        el = channel.find(name)
        if el is not None:
            check_rfc822(r, f'/rss/channel/{name}', text_of(el))
    for name in ('managingEditor', 'webMaster'):
        el = channel.find(name)
        if el is not None:
            check_email_with_name(r, f'/rss/channel/{name}', text_of(el))
    ttl = channel.find('ttl')
    if ttl is not None and not re.match(r'^\s*[1-9]\d*\s*$', text_of(ttl)):
        r.error('InvalidPositiveInteger', '/rss/channel/ttl', text_of(ttl))
    check_self_links(r, '/rss/channel', atom_links, expected_self)

    guids = set()
    for index, item in enumerate(channel.findall('item')):
        rss_item_rules(r, f'/rss/channel/item[{index + 1}]', item, guids)
    return r.events


def rss_item_rules(r, where, item, guids):
    seen = {}
    for child in item:
        ns, local = split(child.tag)
        here = f'{where}/{child.tag}'
        if ns is None:
            if local not in RSS_ITEM:
                r.error('UndefinedElement', here)
                continue
            seen[local] = seen.get(local, 0) + 1
            if local in RSS_ITEM_TEXT:
                for grandchild in child:
                    r.error('UndefinedElement', f'{here}/{grandchild.tag}', 'element inside a text element')
                check_chars(r, here, text_of(child))
        elif ns == ATOM and local == 'link':
            check_atom_link(r, here, child, 'item')
        else:
            if ns == 'http://purl.org/rss/1.0/modules/content/' and local == 'encoded' and 'description' not in seen:
                r.warning('NeedDescriptionBeforeContent', here)
            check_extension(r, here, child)
    if 'title' not in seen and 'description' not in seen:
        r.error('ItemMustContainTitleOrDescription', where)
    for name in RSS_ITEM_ONCE:
        if seen.get(name, 0) > 1:
            r.error('DuplicateElement', where, name)
    if seen.get('enclosure', 0) > 1:
        r.warning('DuplicateEnclosure', where)
    if 'guid' not in seen:
        r.warning('MissingGuid', where)
    title = item.find('title')
    if title is not None:
        if not text_of(title):
            r.warning('NotBlank', f'{where}/title')
        check_nonhtml(r, f'{where}/title', text_of(title))
    for name in ('link', 'comments'):
        el = item.find(name)
        if el is not None:
            check_full_uri(r, f'{where}/{name}', text_of(el))
    pub_date = item.find('pubDate')
    if pub_date is not None:
        check_rfc822(r, f'{where}/pubDate', text_of(pub_date))
    author = item.find('author')
    if author is not None:
        check_email_with_name(r, f'{where}/author', text_of(author))
    for category in item.findall('category'):
        if not text_of(category):
            r.warning('NotBlank', f'{where}/category')
    guid = item.find('guid')
    if guid is not None:
        value = text_of(guid)
        permalink = guid.get('isPermaLink')
        if permalink is not None and permalink not in ('true', 'false'):
            r.error('InvalidBooleanAttribute', f'{where}/guid', permalink)
        if not value:
            r.warning('NotBlank', f'{where}/guid')
        if permalink != 'false':
            lower = value.lower()
            if lower.startswith('tag:') or lower.startswith('urn:uuid:'):
                r.error('InvalidPermalink', f'{where}/guid', value)
            else:
                check_full_uri(r, f'{where}/guid', value, 'InvalidHttpGUID')
        elif len(value) < 9 and value.isdigit():
            r.warning('NotSufficientlyUnique', f'{where}/guid', value)
        if value in guids:
            r.error('DuplicateValue', f'{where}/guid', value)
        guids.add(value)
    source = item.find('source')
    if source is not None:
        if source.get('url') is None:
            r.error('MissingAttribute', f'{where}/source', 'url')
        else:
            check_full_uri(r, f'{where}/source/@url', source.get('url'))
    for enclosure in item.findall('enclosure'):
        here = f'{where}/enclosure'
        for attr in ('url', 'length', 'type'):
            if enclosure.get(attr) is None:
                r.error('MissingAttribute', here, attr)
        length = enclosure.get('length')
        if length is not None:
            try:
                if int(length) < 0:
                    r.error('InvalidNonNegativeInteger', here, length)
            except ValueError:
                r.error('InvalidIntegerAttribute', here, length)
        if enclosure.get('type') is not None and not MIME_RE.match(enclosure.get('type')):
            r.error('InvalidMIMEAttribute', here, enclosure.get('type'))
        url = enclosure.get('url')
        if url is not None and (not HTTP_URL_RE.match(url) or not RFC2396_FULL_RE.match(url)):
            r.error('InvalidURLAttribute', here, url)


def atom_rules(root, expected_self):
    r = Report()
    a = lambda local: f'{{{ATOM}}}{local}'
    if root.tag != a('feed'):
        r.error('UndefinedElement', '/', f'root is {root.tag}, not atom:feed')
        return r.events
    lang = root.get(f'{{{XML_NS}}}lang')
    if lang is not None and lang != '' and not LANG_RE.match(lang):
        r.error('InvalidLanguage', '/feed/@xml:lang', lang)
    feed_links = root.findall(a('link'))
    for link in feed_links:
        check_atom_link(r, '/feed/link', link, 'feed')
    check_alternates(r, '/feed', feed_links)
    check_self_links(r, '/feed', feed_links, expected_self)
    feed_id = root.find(a('id'))
    if feed_id is not None:
        check_iri(r, '/feed/id', text_of(feed_id))
    for name in ('updated',):
        el = root.find(a(name))
        if el is not None:
            check_rfc3339(r, f'/feed/{name}', text_of(el))
    feed_has_author = root.find(a('author')) is not None
    ids = set()
    for index, entry in enumerate(root.findall(a('entry'))):
        where = f'/feed/entry[{index + 1}]'
        links = entry.findall(a('link'))
        for link in links:
            check_atom_link(r, f'{where}/link', link, 'entry')
        check_alternates(r, where, links)
        if not feed_has_author and entry.find(a('author')) is None:
            source = entry.find(a('source'))
            if source is None or source.find(a('author')) is None:
                r.error('MissingElement', where, 'author')
        has_alternate = any(l.get('rel', 'alternate') == 'alternate' for l in links)
        if not has_alternate and entry.find(a('content')) is None:
            r.error('MissingContentOrAlternate', where)
        entry_id = entry.find(a('id'))
        if entry_id is not None:
            value = text_of(entry_id)
            check_iri(r, f'{where}/id', value)
            if value.lower().startswith('urn:uuid:') and not UUID_RE.match(value):
                r.error('InvalidUUID', f'{where}/id', value)
            if value in ids:
                r.error('DuplicateIds', f'{where}/id', value)
            ids.add(value)
        for name in ('published', 'updated'):
            el = entry.find(a(name))
            if el is not None:
                check_rfc3339(r, f'{where}/{name}', text_of(el))
        title = entry.find(a('title'))
        if title is not None:
            if title.get('type', 'text') == 'text':
                check_nonhtml(r, f'{where}/title', text_of(title))
            check_chars(r, f'{where}/title', text_of(title))
        for category in entry.findall(a('category')):
            if not category.get('term'):
                r.error('MissingAttribute', f'{where}/category', 'term')
        source = entry.find(a('source'))
        if source is not None:
            for name in ('id', 'title', 'updated'):
                if source.find(a(name)) is None:
                    r.warning('MissingSourceElement', f'{where}/source', name)
            for link in source.findall(a('link')):
                check_atom_link(r, f'{where}/source/link', link, 'source')
            check_alternates(r, f'{where}/source', source.findall(a('link')))
    return r.events


def check_alternates(r, where, links):
    seen = set()
    for link in links:
        if link.get('rel', 'alternate') != 'alternate':
            continue
        key = (link.get('type'), link.get('hreflang'))
        if key in seen:
            r.error('DuplicateAtomLink', where, f'alternate {key}')
        seen.add(key)


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def display_text(value, content_type):
    """What a reader shows for a feedparser value: HTML rendered to text, plain text as is."""
    if value is None:
        return None
    if content_type and 'html' in content_type:
        parser = _Text()
        parser.feed(value)
        parser.close()
        return ''.join(parser.parts)
    return value


def detail(d, key):
    value = d.get(key)
    info = d.get(key + '_detail') or {}
    content_type = info.get('type')
    return {'value': value, 'type': content_type, 'text': display_text(value, content_type)}


def links_of(d):
    return [{k: l.get(k) for k in ('rel', 'href', 'type', 'title', 'length')} for l in d.get('links', [])]


def read_with_feedparser(data):
    parsed = feedparser.parse(data)
    feed = parsed.feed
    entries = []
    for e in parsed.entries:
        source = e.get('source') or {}
        entries.append({
            'id': e.get('id'),
            'title': detail(e, 'title'),
            'summary': detail(e, 'summary'),
            'content': [{'type': c.get('type'), 'value': c.get('value'), 'text': display_text(c.get('value'), c.get('type'))}
                        for c in e.get('content', [])],
            'link': e.get('link'),
            'links': links_of(e),
            'tags': [t.get('term') for t in e.get('tags', [])],
            'author': e.get('author'),
            'published': e.get('published'),
            'published_parsed': list(e.published_parsed[:6]) if e.get('published_parsed') else None,
            'updated': e.get('updated'),
            'updated_parsed': list(e.updated_parsed[:6]) if e.get('updated_parsed') else None,
            'enclosures': [{k: x.get(k) for k in ('href', 'type', 'length')} for x in e.get('enclosures', [])],
            'source': {'title': source.get('title'), 'href': source.get('href'), 'id': source.get('id'),
                       'links': links_of(source)} if source else None,
        })
    return {
        'bozo': bool(parsed.bozo),
        'bozo_exception': str(parsed.get('bozo_exception')) if parsed.bozo else None,
        'version': parsed.version,
        'feed': {
            'title': detail(feed, 'title'),
            'subtitle': detail(feed, 'subtitle'),
            'link': feed.get('link'),
            'links': links_of(feed),
            'language': feed.get('language'),
            'id': feed.get('id'),
            'updated': feed.get('updated'),
        },
        'entries': entries,
    }


def check(path, expected_self):
    with open(path, 'rb') as f:
        data = f.read()
    result = {'path': path, 'expat': None, 'format': None, 'rules': [], 'feedparser': read_with_feedparser(data)}
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        result['expat'] = str(e)
        return result
    if root.tag == 'rss':
        result['format'] = 'rss'
        result['rules'] = rss_rules(root, expected_self)
    elif root.tag == f'{{{ATOM}}}feed':
        result['format'] = 'atom'
        result['rules'] = atom_rules(root, expected_self)
    else:
        result['rules'] = [{'level': 'error', 'rule': 'UnknownFormat', 'where': '/', 'message': root.tag}]
    return result


def main():
    requests = json.load(sys.stdin)
    json.dump([check(r['path'], r.get('self')) for r in requests], sys.stdout, ensure_ascii=True)


if __name__ == '__main__':
    main()
