import { readdirSync, readFileSync } from 'node:fs';
import { type EntityDecoderOptions, XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../services/http/problem.ts';
import { V1_DIALECT } from './v1/transport.ts';
import { V2_DIALECT } from './v2/transport.ts';
import { createXmlReader, MAX_NESTING, type XmlDialect } from './xml-document.ts';

/**
 * The message content parser of `xml-document.ts` against fast-xml-parser, which built the content
 * before it, configured as it was then (the oracle): on every element of every SPT example, on edge
 * cases and on generated elements, both give the same value — same keys in the same order — or
 * both refuse the element. Where the parser departs from the oracle on purpose (elements it refused
 * whole, which now leave the message alone to be rejected), the last block says how.
 */

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };
const decode = (value: string) =>
  value.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (reference, body: string) => {
    if (!body.startsWith('#')) return PREDEFINED[body] ?? reference;
    const code = body.startsWith('#x')
      ? Number.parseInt(body.slice(2), 16)
      : Number.parseInt(body.slice(1), 10);
    if (code < 0x9 || (code > 0xd7ff && code < 0xe000) || code > 0x10ffff) throw new Error('not a character');
    return String.fromCodePoint(code);
  });
const entities: EntityDecoderOptions = {
  setExternalEntities: () => {},
  addInputEntities: () => {},
  reset: () => {},
  setXmlVersion: () => {},
  decode,
};

function oracle(dialect: XmlDialect): (raw: string) => unknown {
  const repeated = new Set(dialect.repeatedElements);
  const parser = new XMLParser({
    ignoreAttributes: (name) => name === 'xmlns' || name.startsWith('xmlns:'),
    attributeNamePrefix: '@',
    textNodeName: '#text',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    removeNSPrefix: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    processEntities: true,
    entityDecoder: entities,
    isArray: (name, _path, _isLeaf, isAttribute) => !isAttribute && repeated.has(name),
    jPath: false,
  });
  return (raw) => Object.values(parser.parse(raw) as object)[0] ?? '';
}

/**
 * What each side makes of `raw`: its value as JSON (key order included), or `refused`. An element
 * the structure check refuses (before any parser) is refused by both.
 */
function both(dialect: XmlDialect, raw: string): { ours: string; theirs: string } {
  let ours: string;
  try {
    ours = JSON.stringify(createXmlReader(dialect).readElement(raw).content);
  } catch (error) {
    if (!(error instanceof HttpProblem)) throw error;
    if (!error.message.startsWith('A message could not be parsed'))
      return { ours: 'refused', theirs: 'refused' };
    ours = 'refused';
  }
  let theirs: string;
  try {
    theirs = JSON.stringify(oracle(dialect)(raw));
  } catch {
    theirs = 'refused';
  }
  return { ours, theirs };
}

const EDGE_CASES = [
  '<e>  </e>',
  '<e/>',
  '<e a="1">t</e>',
  '<e a="1"/>',
  '<e>foo<b>1</b>bar</e>',
  '<e><b>1</b>  mid <c/> end</e>',
  '<e a="1"><b>1</b>x</e>',
  '<e>x<b>1</b></e>',
  '<e><![CDATA[ <hi> ]]></e>',
  '<e>a<![CDATA[b]]>c</e>',
  '<e a="1"><![CDATA[]]></e>',
  '<e>a<!-- c -->b</e>',
  '<e>a <!-- c --> b</e>',
  '<e> a <?pi x?> b </e>',
  '<e>&lt;&amp;&#233;&#xE9;&#x1F600;</e>',
  '<e>&amp;lt;</e>',
  '<e a="&lt;&#233;" b=" &amp;amp; "/>',
  '<e a=" 1 "/>',
  '<x:e xmlns:x="u" x:a="1"><x:b>2</x:b></x:e>',
  '<e xmlns="urn:x" a="1"/>',
  '<e xml:lang="fr"/>',
  '<e><b>1</b><b>2</b></e>',
  '<e><commune>1</commune></e>',
  '<e><commune/></e>',
  '<e><commune rang="1">5</commune></e>',
  '<commune>1</commune>',
  '<e><b>1</b><c>2</c><b>3</b></e>',
  '<e a="1" b=\'2\'/>',
  '<e><b a="1"></b></e>',
  '<e><b>  </b></e>',
  '<e>\n  <b>x</b>\n</e>',
  '<e>\r\n  <b>x\r\ny\rz</b>\r\n</e>',
  '<e a="x\r\ny"/>',
  '<e><b><c>1</c></b><b>t</b></e>',
  '<e><b>1</b><b/></e>',
  '<e>0012</e>',
  '<e>true</e>',
  '<e __proto__="1"/>',
  '<e><hasOwnProperty>1</hasOwnProperty><toString/></e>',
  '<e a="1" a2="x">  t  </e>',
  '<e>a &amp; b</e>',
  '<e>&#1;</e>',
  '<e><b>1</b>\n<!-- c -->\n<b>2</b></e>',
  '<e><b/><b/></e>',
  '<e x:a="1" xmlns:x="u"/>',
  '<e><a:b:c>1</a:b:c></e>',
  `<e>${'<d>'.repeat(50)}1${'</d>'.repeat(50)}</e>`,
  // The deepest nesting read: MAX_NESTING levels inside the element.
  `<e>${'<d>'.repeat(MAX_NESTING)}1${'</d>'.repeat(MAX_NESTING)}</e>`,
];

/** A generated element: nesting, repetition, attributes, text with references, CDATA, comments, line ends. */
function generated(seed: number): string {
  let state = seed;
  const random = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const names = ['a', 'b', 'commune', 'personne', 'p:a', 'nom'];
  const texts = [' x ', 'y', '  ', '&amp;', '&#233;', '\r\n', 'a b', '', '&lt;z&gt;'];
  const element = (depth: number): string => {
    const name = names[random(names.length)] as string;
    let attributes = '';
    for (let n = random(3); n > 0; n--)
      attributes += ` ${['r', 'q:s', 'xmlns:q', 't'][n]}="${texts[random(texts.length)]}"`;
    if (random(5) === 0) return `<${name}${attributes}/>`;
    let inner = '';
    for (let n = depth > 3 ? 0 : random(4); n > 0; n--) inner += element(depth + 1);
    const pieces = [
      texts[random(texts.length)],
      random(6) === 0 ? '<![CDATA[ c ]]>' : '',
      random(6) === 0 ? '<!-- k -->' : '',
      texts[random(texts.length)],
    ];
    const at = random(pieces.length + 1);
    return `<${name}${attributes}>${[...pieces.slice(0, at), inner, ...pieces.slice(at)].join('')}</${name}>`;
  };
  return element(0);
}

describe('message content, against fast-xml-parser as configured before', () => {
  it('is the same on every element of every SPT example', () => {
    let elements = 0;
    for (const [version, dialect] of [
      ['v1', V1_DIALECT],
      ['v2', V2_DIALECT],
    ] as const) {
      const folder = new URL(`../../contracts/spt/${version}/examples/`, import.meta.url);
      for (const file of readdirSync(folder).filter((f) => f.endsWith('.xml'))) {
        const body = readFileSync(new URL(file, folder));
        for (const message of createXmlReader(dialect).readLot(body).messages) {
          elements++;
          expect(JSON.stringify(message.content), `${version}/${file}: ${message.raw}`).toBe(
            JSON.stringify(oracle(dialect)(message.raw)),
          );
        }
      }
    }
    expect(elements).toBeGreaterThan(10);
  });

  it.each(EDGE_CASES)('is the same on %s', (raw) => {
    const { ours, theirs } = both(V2_DIALECT, raw);
    expect(ours).toBe(theirs);
  });

  it('is the same on 3,000 generated elements', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const raw = generated(seed);
      const { ours, theirs } = both(V2_DIALECT, raw);
      expect(ours, raw).toBe(theirs);
    }
  });
});

describe('message content, where it departs from fast-xml-parser for a message to be judged alone', () => {
  const reader = createXmlReader(V2_DIALECT);

  it.each(['__proto__', 'constructor', 'prototype'])(
    'keeps elements named %s as an own field (the oracle refused them), prototypes untouched',
    (name) => {
      const raw = `<e><${name}><polluted>yes</polluted></${name}><a><${name}>1</${name}><${name}/></a></e>`;
      expect(both(V2_DIALECT, raw).theirs).toBe('refused');
      const { content, problem } = reader.readElement(raw);
      expect(problem).toBeUndefined();
      const object = content as Record<string, unknown>;
      const inner = object.a as Record<string, unknown>;
      for (const value of [object, inner]) {
        expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
        expect(Object.hasOwn(value, name)).toBe(true);
        expect(value.polluted).toBeUndefined();
      }
      expect(Object.keys(object)).toEqual([name, 'a']);
      expect(object[name]).toEqual({ polluted: 'yes' });
      expect(inner[name]).toEqual(['1', '']);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it(`reads a message nested more than ${MAX_NESTING} levels deep as its attributes and a problem (the oracle refused it)`, () => {
    const raw = `<e id="M-1" n="2"><a>1</a><b>${'<d>'.repeat(MAX_NESTING)}1${'</d>'.repeat(MAX_NESTING)}</b></e>`;
    expect(both(V2_DIALECT, raw).theirs).toBe('refused');
    expect(reader.readElement(raw)).toMatchObject({
      content: { '@id': 'M-1', '@n': '2' },
      problem: {
        path: '/b',
        message: `nests elements more than ${MAX_NESTING} levels deep: no message is nested so deep`,
      },
    });
    expect(reader.readElement(`<e>${'<d>'.repeat(5000)}${'</d>'.repeat(5000)}</e>`)).toMatchObject({
      content: '',
      problem: { path: '/d' },
    });
  });
});
