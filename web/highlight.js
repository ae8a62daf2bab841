// A small syntax highlighter for the two languages the playground shows, Python and C.
// highlight(source, lang) returns one HTML string per source line, tokens wrapped in
// <span class="tok-KIND">; a token that spans lines (a docstring, a block comment) is
// closed at each line's end and reopened on the next, so lines can be shown apart.

const PYTHON_KEYWORDS = new Set(('and as assert async await break class continue def del elif else except ' +
  'finally for from global if import in is lambda nonlocal not or pass raise return try while with yield ' +
  'None True False').split(' '));
const PYTHON_BUILTINS = new Set('print next range len str int chr ord iter isinstance type super'.split(' '));
const C_KEYWORDS = new Set(('break case const continue default do else enum extern for goto if inline ' +
  'return sizeof static struct switch typedef union while NULL true false').split(' '));
const C_TYPES = new Set('void char short int long float double signed unsigned bool size_t FILE'.split(' '));

// Each rule: [kind, sticky regexp]; the first that matches at the position wins.
const RULES = {
  python: [
    ['comment', /#.*/y],
    ['string', /[rbfRBF]{0,2}("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')/y],
    ['deco', /@[\w.]+/y],
    ['number', /\d+(?:\.\d+)?/y],
    ['word', /[A-Za-z_]\w*/y],
  ],
  c: [
    ['comment', /\/\*[\s\S]*?(?:\*\/|$)|\/\/.*/y],
    ['pre', /^[ \t]*#[ \t]*\w+(?:[ \t]*<[^>\n]*>)?/my],
    ['string', /"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/y],
    ['number', /(?:0x[\da-fA-F]+|\d+(?:\.\d+)?(?:e[+-]?\d+)?)[uUlLf]*/y],
    ['word', /[A-Za-z_]\w*/y],
  ],
};

// What a word is: a keyword, a type or builtin, a function (a call or definition:
// followed by `(`), or a plain name.
function wordKind(lang, word, rest) {
  if (lang === 'python') {
    if (PYTHON_KEYWORDS.has(word)) return 'keyword';
    if (PYTHON_BUILTINS.has(word)) return 'builtin';
  } else {
    if (C_KEYWORDS.has(word)) return 'keyword';
    if (C_TYPES.has(word) || /_t$/.test(word)) return 'type';
  }
  return /^\s*\(/.test(rest) ? 'fn' : null;
}

export const escapeHtml = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

// The tokens of source: [{ kind (null: plain), text }], covering it all.
function tokenize(source, lang) {
  const tokens = [];
  let plain = '';
  let i = 0;
  outer: while (i < source.length) {
    for (const [kind, re] of RULES[lang]) {
      re.lastIndex = i;
      const m = re.exec(source);
      if (!m || m[0].length === 0) continue;
      const k = kind === 'word' ? wordKind(lang, m[0], source.slice(i + m[0].length, i + m[0].length + 40)) : kind;
      if (k) {
        if (plain) tokens.push({ kind: null, text: plain });
        plain = '';
        tokens.push({ kind: k, text: m[0] });
      } else {
        plain += m[0];
      }
      i += m[0].length;
      continue outer;
    }
    plain += source[i++];
  }
  if (plain) tokens.push({ kind: null, text: plain });
  return tokens;
}

export function highlight(source, lang) {
  const lines = [''];
  for (const { kind, text } of tokenize(source, lang)) {
    text.split('\n').forEach((part, j) => {
      if (j > 0) lines.push('');
      if (part) lines[lines.length - 1] += kind ? `<span class="tok-${kind}">${escapeHtml(part)}</span>` : escapeHtml(part);
    });
  }
  return lines;
}
