/**
 * Data of the exposure check (W-D6): sensitive paths with the content signature that confirms each one (so a site
 * answering 200 to everything gives no false alarm), directory-listing signatures, and front-end libraries with
 * known vulnerabilities by version range (public advisories). Notes: docs/modules.md.
 */

export interface SensitivePath {
  path: string;
  /** What it is, for the message. */
  what: { zh: string; en: string };
  /** Leading bytes (hex) the body must start with (binary files). */
  magic?: string[];
  /** A pattern the body (first KiB, as Latin-1/UTF-8 text) must match. */
  pattern?: string;
}

export const SENSITIVE_PATHS: SensitivePath[] = [
  { path: '/.git/HEAD', what: { zh: 'Git 版本库', en: 'Git repository' }, pattern: '^(ref: refs/|[0-9a-f]{40}\\s*$)' },
  { path: '/.git/config', what: { zh: 'Git 配置', en: 'Git configuration' }, pattern: '^\\s*\\[(core|remote|branch)' },
  { path: '/.svn/entries', what: { zh: 'SVN 版本库', en: 'Subversion working copy' }, pattern: '^\\d{1,2}\\s*\\n(\\s*\\n)?(dir|file)?' },
  { path: '/.svn/wc.db', what: { zh: 'SVN 版本库数据库', en: 'Subversion database' }, magic: ['53514c69746520666f726d6174203300'] },
  { path: '/.env', what: { zh: '环境配置文件（.env）', en: 'Environment file (.env)' }, pattern: '^(?:#[^\\n]*\\n|\\s*\\n)*[A-Z][A-Z0-9_]*\\s*=.*\\n(?:#[^\\n]*\\n|\\s*\\n)*[A-Z][A-Z0-9_]*\\s*=' },
  { path: '/WEB-INF/web.xml', what: { zh: 'Java Web 部署描述文件', en: 'Java web deployment descriptor' }, pattern: '<web-app[\\s>]' },
  { path: '/phpinfo.php', what: { zh: 'PHP 信息页（phpinfo）', en: 'PHP information page (phpinfo)' }, pattern: '<title>phpinfo\\(\\)</title>|PHP Version \\d+\\.\\d+\\.\\d+' },
  { path: '/.DS_Store', what: { zh: 'macOS 目录索引文件', en: 'macOS directory index' }, magic: ['0000000142756431'] },
  { path: '/www.zip', what: { zh: '网站备份压缩包', en: 'Site backup archive' }, magic: ['504b0304', '504b0506'] },
  { path: '/wwwroot.zip', what: { zh: '网站备份压缩包', en: 'Site backup archive' }, magic: ['504b0304', '504b0506'] },
  { path: '/web.rar', what: { zh: '网站备份压缩包', en: 'Site backup archive' }, magic: ['526172211a07'] },
  { path: '/backup.tar.gz', what: { zh: '网站备份压缩包', en: 'Site backup archive' }, magic: ['1f8b08'] },
];

/** A fetched page or probed folder is a server directory listing when it matches one of these. */
export const DIRECTORY_LISTING_PATTERNS = ['<title>\\s*Index of /', '<h1>\\s*Index of /', '\\[To Parent Directory\\]', '<title>\\s*Directory Listing For', '<title>[^<]*- /[^<]*</title>[\\s\\S]{0,400}\\[To Parent Directory\\]'];

export interface VulnerableLibraryRule {
  library: string;
  /** Regexes on the script URL that capture the version (group 1). */
  urlPatterns: string[];
  /** Regex on the URL that names the library without a version (then the file's banner is read). */
  namePattern: string;
  /** Regex on the first bytes of the file that captures the version (group 1). */
  bannerPattern: string;
  /** Affected versions (semver range) and the advisories behind them. */
  vulnerable: Array<{ range: string; advisories: string[]; summary: string }>;
}

export const VULNERABLE_LIBRARIES: VulnerableLibraryRule[] = [
  {
    library: 'jQuery',
    urlPatterns: ['jquery[.-]v?(\\d+\\.\\d+(?:\\.\\d+)?)(?:[.-](?:min|slim|pack))*\\.js', '/jquery/v?(\\d+\\.\\d+\\.\\d+)/', 'jquery(?:\\.min)?\\.js\\?(?:v|ver|version)=(\\d+\\.\\d+(?:\\.\\d+)?)'],
    namePattern: '(?:^|/)jquery(?:\\.min)?\\.js(?:$|\\?)',
    bannerPattern: 'jQuery (?:JavaScript Library )?v(\\d+\\.\\d+\\.\\d+)',
    vulnerable: [{ range: '<3.5.0', advisories: ['CVE-2020-11022', 'CVE-2020-11023', 'CVE-2019-11358', 'CVE-2015-9251'], summary: 'XSS in htmlPrefilter/$.html, prototype pollution in $.extend' }],
  },
  {
    library: 'jQuery UI',
    urlPatterns: ['jquery-ui[.-]v?(\\d+\\.\\d+(?:\\.\\d+)?)(?:[.-]min)*\\.js', '/jqueryui/(\\d+\\.\\d+\\.\\d+)/'],
    namePattern: '(?:^|/)jquery-ui(?:\\.min)?\\.js(?:$|\\?)',
    bannerPattern: 'jQuery UI - v(\\d+\\.\\d+\\.\\d+)',
    vulnerable: [{ range: '<1.13.2', advisories: ['CVE-2021-41182', 'CVE-2021-41183', 'CVE-2021-41184', 'CVE-2022-31160'], summary: 'XSS in several widget options' }],
  },
  {
    library: 'Bootstrap',
    urlPatterns: ['bootstrap[.-]v?(\\d+\\.\\d+\\.\\d+)(?:[.-]min)*\\.js', '/bootstrap/v?(\\d+\\.\\d+\\.\\d+)/'],
    namePattern: '(?:^|/)bootstrap(?:\\.bundle)?(?:\\.min)?\\.js(?:$|\\?)',
    bannerPattern: 'Bootstrap v(\\d+\\.\\d+\\.\\d+)',
    vulnerable: [
      { range: '<3.4.1', advisories: ['CVE-2019-8331', 'CVE-2018-14040', 'CVE-2018-14042'], summary: 'XSS in tooltip/popover data-template and collapse data-parent' },
      { range: '>=4.0.0 <4.3.1', advisories: ['CVE-2019-8331'], summary: 'XSS in tooltip/popover data-template' },
    ],
  },
  {
    library: 'AngularJS',
    urlPatterns: ['angular[.-]v?(1\\.\\d+\\.\\d+)(?:[.-]min)*\\.js', '/angular\\.js/(1\\.\\d+\\.\\d+)/'],
    namePattern: '(?:^|/)angular(?:\\.min)?\\.js(?:$|\\?)',
    bannerPattern: 'AngularJS v(1\\.\\d+\\.\\d+)',
    vulnerable: [{ range: '<1.8.0', advisories: ['CVE-2020-7676', 'CVE-2019-10768'], summary: 'XSS and prototype pollution; AngularJS 1.x is end-of-life' }],
  },
  {
    library: 'Lodash',
    urlPatterns: ['lodash[.-]v?(\\d+\\.\\d+\\.\\d+)(?:[.-]min)*\\.js', '/lodash\\.js/(\\d+\\.\\d+\\.\\d+)/'],
    namePattern: '(?:^|/)lodash(?:\\.min)?\\.js(?:$|\\?)',
    bannerPattern: 'Lodash <https://lodash\\.com/>[\\s\\S]{0,200}?@license[\\s\\S]{0,80}?(?:lodash\\.com|v)(\\d+\\.\\d+\\.\\d+)|lodash v?(\\d+\\.\\d+\\.\\d+)',
    vulnerable: [{ range: '<4.17.21', advisories: ['CVE-2021-23337', 'CVE-2020-8203', 'CVE-2019-10744'], summary: 'command injection in template, prototype pollution' }],
  },
  {
    library: 'Moment.js',
    urlPatterns: ['moment[.-]v?(\\d+\\.\\d+\\.\\d+)(?:[.-]min)*\\.js', '/moment\\.js/(\\d+\\.\\d+\\.\\d+)/'],
    namePattern: '(?:^|/)moment(?:\\.min)?\\.js(?:$|\\?)',
    bannerPattern: '//! version : (\\d+\\.\\d+\\.\\d+)',
    vulnerable: [{ range: '<2.29.4', advisories: ['CVE-2022-31129', 'CVE-2022-24785'], summary: 'ReDoS in RFC 2822 parsing, path traversal in locale loading' }],
  },
];
