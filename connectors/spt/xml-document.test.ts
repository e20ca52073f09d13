import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../../services/http/problem.ts';
import { createXmlReader, type XmlDialect } from './xml-document.ts';

const dialect: XmlDialect = { root: 'lot', namespace: 'urn:sne:spt:2', repeatedElements: ['commune'] };
const reader = createXmlReader(dialect);

function lot(body: string, declaration = '<?xml version="1.0" encoding="UTF-8"?>'): string {
  return `${declaration}\n<lot xmlns="urn:sne:spt:2">${body}</lot>`;
}

/** The problem thrown by `read`, as `{ status, code, message }`. */
function problem(read: () => unknown): { status: number; code: string; message: string } {
  try {
    read();
  } catch (error) {
    if (!(error instanceof HttpProblem)) throw error;
    return { status: error.status, code: error.code, message: error.message };
  }
  throw new Error('expected an HttpProblem');
}

describe('encodings', () => {
  it('reads UTF-8', () => {
    const { encoding, messages } = reader.readLot(
      Buffer.from(lot('<m><nom>Amélie Œuvré €</nom></m>'), 'utf8'),
    );
    expect(encoding).toBe('UTF-8');
    expect(messages[0]?.content).toEqual({ nom: 'Amélie Œuvré €' });
  });

  it('reads UTF-8 without declaration, and strips a byte order mark', () => {
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('<lot xmlns="urn:sne:spt:2"><m>é</m></lot>'),
    ]);
    const { encoding, messages } = reader.readLot(body);
    expect(encoding).toBe('UTF-8');
    expect(messages[0]?.raw).toBe('<m>é</m>');
  });

  it('reads ISO-8859-1 declared in the XML declaration, whatever charset the Content-Type adds', () => {
    const text = lot(
      '<m><prenom>Amélie</prenom><nom>Lefèvre</nom></m>',
      '<?xml version="1.0" encoding="ISO-8859-1"?>',
    );
    const body = Buffer.from(text, 'latin1');
    expect(body.includes(Buffer.from('Amélie', 'utf8'))).toBe(false);
    const { encoding, messages } = reader.readLot(body, 'application/xml; charset=utf-8');
    expect(encoding).toBe('ISO-8859-1');
    expect(messages[0]?.content).toEqual({ prenom: 'Amélie', nom: 'Lefèvre' });
  });

  it('reads windows-1252, whose € œ ’ Œ live in bytes 0x80-0x9F', () => {
    const head = Buffer.from(
      '<?xml version="1.0" encoding="windows-1252"?><lot xmlns="urn:sne:spt:2"><m><nom>',
      'ascii',
    );
    // C(0x9C = œ)ur l(0x92 = ’)(0xC9 = É)glise (0x80 = €) (0x8C = Œ)
    const name = Buffer.from([
      0x43, 0x9c, 0x75, 0x72, 0x20, 0x6c, 0x92, 0xc9, 0x67, 0x6c, 0x69, 0x73, 0x65, 0x20, 0x80, 0x20, 0x8c,
    ]);
    const tail = Buffer.from('</nom></m></lot>', 'ascii');
    const { encoding, messages } = reader.readLot(Buffer.concat([head, name, tail]));
    expect(encoding).toBe('windows-1252');
    expect(messages[0]?.content).toEqual({ nom: 'Cœur l’Église € Œ' });
  });

  it('reads ISO-8859-1 bytes 0x80-0x9F as windows-1252, as WHATWG decoders do', () => {
    const body = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="iso-8859-1"?><lot xmlns="urn:sne:spt:2"><m>', 'ascii'),
      Buffer.from([0x80, 0x9c]),
      Buffer.from('</m></lot>', 'ascii'),
    ]);
    expect(reader.readLot(body).messages[0]?.content).toBe('€œ');
  });

  it('takes the Content-Type charset when the declaration names none', () => {
    const body = Buffer.from('<?xml version="1.0"?><lot xmlns="urn:sne:spt:2"><m>Hélène</m></lot>', 'latin1');
    const { encoding, messages } = reader.readLot(body, 'text/xml; charset="ISO-8859-1"');
    expect(encoding).toBe('ISO-8859-1');
    expect(messages[0]?.content).toBe('Hélène');
  });

  it('reads ISO-8859-15 (€ at 0xA4)', () => {
    const body = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="ISO-8859-15"?><lot xmlns="urn:sne:spt:2"><m>', 'ascii'),
      Buffer.from([0xa4]),
      Buffer.from('</m></lot>', 'ascii'),
    ]);
    expect(reader.readLot(body).messages[0]?.content).toBe('€');
  });

  it('refuses bytes that are not the declared encoding: UTF-8 declared, ISO-8859-1 sent', () => {
    const body = Buffer.from(lot('\n<m><prenom>Amélie</prenom></m>'), 'latin1');
    expect(problem(() => reader.readLot(body))).toEqual({
      status: 400,
      code: 'ENCODING_INVALID',
      message: expect.stringMatching(
        /not valid UTF-8 \(as declared by the XML declaration\) at line 3, column 14/,
      ),
    });
  });

  it('refuses invalid UTF-8 when nothing is declared', () => {
    const body = Buffer.from('<lot xmlns="urn:sne:spt:2"><m>Amélie</m></lot>', 'latin1');
    expect(problem(() => reader.readLot(body)).code).toBe('ENCODING_INVALID');
  });

  it('refuses a byte above 0x7F in US-ASCII', () => {
    const body = Buffer.from(lot('<m>é</m>', '<?xml version="1.0" encoding="US-ASCII"?>'), 'latin1');
    expect(problem(() => reader.readLot(body)).code).toBe('ENCODING_INVALID');
  });

  it('refuses an unknown declared encoding with 415', () => {
    const body = Buffer.from(lot('<m/>', '<?xml version="1.0" encoding="EBCDIC-XYZ"?>'));
    expect(problem(() => reader.readLot(body))).toEqual({
      status: 415,
      code: 'ENCODING_UNSUPPORTED',
      message: expect.stringContaining('"EBCDIC-XYZ"'),
    });
  });

  it('refuses an unknown Content-Type charset with 415', () => {
    const body = Buffer.from('<lot xmlns="urn:sne:spt:2"/>');
    expect(problem(() => reader.readLot(body, 'application/xml; charset=klingon')).code).toBe(
      'ENCODING_UNSUPPORTED',
    );
  });

  it('refuses UTF-16 with 415', () => {
    const body = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('<lot xmlns="urn:sne:spt:2"/>', 'utf16le'),
    ]);
    expect(problem(() => reader.readLot(body)).status).toBe(415);
  });

  it('reads Latin-1 bytes that only start UTF-8 sequences: JOÃO is C3 then O, not a continuation byte', () => {
    // J O Ã(0xC3) O, then Amélie with é as 0xE9.
    const name = Buffer.from([0x4a, 0x4f, 0xc3, 0x4f, 0x20, 0x41, 0x6d, 0xe9, 0x6c, 0x69, 0x65]);
    const body = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><lot xmlns="urn:sne:spt:2"><m>', 'ascii'),
      name,
      Buffer.from('</m></lot>', 'ascii'),
    ]);
    expect(reader.readLot(body).messages[0]?.content).toBe('JOÃO Amélie');
  });

  it.each([
    [
      'declared ISO-8859-1',
      '<?xml version="1.0" encoding="ISO-8859-1"?>',
      undefined,
      'ISO-8859-1 (by the XML declaration)',
    ],
    [
      'declared ISO-8859-1, with charset=utf-8',
      '<?xml version="1.0" encoding="ISO-8859-1"?>',
      'application/xml; charset=utf-8',
      'ISO-8859-1 (by the XML declaration)',
    ],
    [
      'declared windows-1252',
      '<?xml version="1.0" encoding="windows-1252"?>',
      undefined,
      'windows-1252 (by the XML declaration)',
    ],
    [
      'declared ISO-8859-15',
      '<?xml version="1.0" encoding="ISO-8859-15"?>',
      undefined,
      'ISO-8859-15 (by the XML declaration)',
    ],
    [
      'ISO-8859-1 by the charset alone',
      '<?xml version="1.0"?>',
      'text/xml; charset=iso-8859-1',
      'ISO-8859-1 (by the Content-Type charset)',
    ],
  ])(
    'refuses UTF-8 bytes %s with 400 ENCODING_INVALID, rather than register AmÃ©lie',
    (_what, declaration, contentType, says) => {
      const body = Buffer.from(lot('\n<m><prenom>Amélie</prenom></m>', declaration), 'utf8');
      const refused = problem(() => reader.readLot(body, contentType));
      expect(refused).toMatchObject({ status: 400, code: 'ENCODING_INVALID' });
      expect(refused.message).toBe(
        `The body is declared ${says} but its bytes are UTF-8: "é" at line 3, column 14 would read "Ã©". ` +
          `Declare encoding="UTF-8" in the XML declaration, or send ${says.split(' ')[0]} bytes.`,
      );
    },
  );

  // interfaces.md §4: the declared encoding, else the charset. An HTTP library adds a charset it never
  // checked; the file's own declaration travels with it.
  it.each([
    ['ISO-8859-1', 'application/xml; charset=utf-8', 'latin1'],
    ['windows-1252', 'text/xml; charset=ISO-8859-15', 'latin1'],
    ['ISO-8859-1', 'text/xml; charset=klingon', 'latin1'],
    ['UTF-8', 'application/xml; charset=iso-8859-1', 'utf8'],
  ] as const)('reads a lot declared %s sent with %s as declared', (declared, contentType, bytes) => {
    const body = Buffer.from(lot('<m>Hélène</m>', `<?xml version="1.0" encoding="${declared}"?>`), bytes);
    expect(reader.readLot(body, contentType).messages[0]?.content).toBe('Hélène');
  });

  it('refuses a UTF-8 byte order mark on a document declared ISO-8859-1', () => {
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(lot('', '<?xml version="1.0" encoding="ISO-8859-1"?>')),
    ]);
    expect(problem(() => reader.readLot(body)).code).toBe('ENCODING_INVALID');
  });
});

describe('refused documents', () => {
  it('refuses a DOCTYPE (billion laughs) before expanding anything', () => {
    const bomb = `<?xml version="1.0"?>
<!DOCTYPE lot [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lot xmlns="urn:sne:spt:2"><m>&lol3;</m></lot>`;
    expect(problem(() => reader.readLot(Buffer.from(bomb)))).toEqual({
      status: 400,
      code: 'XML_DOCTYPE_FORBIDDEN',
      message: expect.stringContaining('line 2, column 1'),
    });
  });

  it('refuses an external entity (XXE)', () => {
    const xxe =
      '<!DOCTYPE lot [<!ENTITY x SYSTEM "file:///etc/passwd">]><lot xmlns="urn:sne:spt:2"><m>&x;</m></lot>';
    expect(problem(() => reader.readLot(Buffer.from(xxe))).code).toBe('XML_DOCTYPE_FORBIDDEN');
  });

  it('refuses an ENTITY declaration even without DOCTYPE', () => {
    expect(problem(() => reader.readLot(Buffer.from(lot('<!ENTITY x "y">')))).code).toBe(
      'XML_DOCTYPE_FORBIDDEN',
    );
  });

  it('refuses a document that is not well-formed, saying where', () => {
    const body = Buffer.from(lot('\n<m>\n  <nom>Dupont</prenom>\n</m>'));
    expect(problem(() => reader.readLot(body))).toEqual({
      status: 400,
      code: 'XML_MALFORMED',
      message: expect.stringMatching(/line 4, column 14/),
    });
  });

  it.each([
    ['an empty body', ''],
    ['text that is not XML', 'hello'],
    ['an unclosed root', '<lot xmlns="urn:sne:spt:2"><m/>'],
    ['two roots', '<lot xmlns="urn:sne:spt:2"/><lot xmlns="urn:sne:spt:2"/>'],
    ['an undefined entity', '<lot xmlns="urn:sne:spt:2"><m>&nbsp;</m></lot>'],
    ["a bare '&'", '<lot xmlns="urn:sne:spt:2"><m>Dupont & fils</m></lot>'],
    ["'<' in an attribute value", '<lot xmlns="urn:sne:spt:2"><m a="<"/></lot>'],
    ['a control character', '<lot xmlns="urn:sne:spt:2"><m>\u0001</m></lot>'],
    ['a reference to a control character', '<lot xmlns="urn:sne:spt:2"><m>&#1;</m></lot>'],
  ])('refuses %s as XML_MALFORMED', (_name, text) => {
    expect(problem(() => reader.readLot(Buffer.from(text)))).toMatchObject({
      status: 400,
      code: 'XML_MALFORMED',
    });
  });

  it.each([
    ['another root name', '<lots xmlns="urn:sne:spt:2"/>', '<lots xmlns="urn:sne:spt:2">'],
    ['another namespace', '<lot xmlns="urn:sne:spt:1"/>', '<lot xmlns="urn:sne:spt:1">'],
    ['no namespace', '<lot/>', '<lot> without namespace'],
    ['the v1 root', '<LotDemandes version="1"/>', '<LotDemandes> without namespace'],
  ])('refuses %s as XML_ROOT_INVALID', (_name, text, found) => {
    expect(problem(() => reader.readLot(Buffer.from(text)))).toEqual({
      status: 400,
      code: 'XML_ROOT_INVALID',
      message: `The root element must be <lot xmlns="urn:sne:spt:2">, not ${found}.`,
    });
  });

  it('accepts a prefixed root in the right namespace', () => {
    const text = '<s:lot xmlns:s="urn:sne:spt:2"><s:m id="1"/></s:lot>';
    expect(reader.readLot(Buffer.from(text)).messages).toEqual([
      {
        name: 'm',
        namespace: 'urn:sne:spt:2',
        raw: '<s:m xmlns:s="urn:sne:spt:2" id="1"/>',
        content: { '@id': '1' },
      },
    ]);
  });

  it('refuses more messages than the limit with 413 LOT_TOO_LARGE', () => {
    const small = createXmlReader(dialect, { maxMessages: 3 });
    expect(small.readLot(Buffer.from(lot('<m/><m/><m/>'))).messages).toHaveLength(3);
    expect(problem(() => small.readLot(Buffer.from(lot('<m/><m/><m/><m/>'))))).toMatchObject({
      status: 413,
      code: 'LOT_TOO_LARGE',
    });
  });

  it('refuses 1001 messages by default', () => {
    expect(problem(() => reader.readLot(Buffer.from(lot('<m/>'.repeat(1001))))).code).toBe('LOT_TOO_LARGE');
  });

  it('refuses a body over the byte limit with 413', () => {
    const small = createXmlReader(dialect, { maxBytes: 100 });
    expect(problem(() => small.readLot(Buffer.from(lot(`<m>${'x'.repeat(100)}</m>`))))).toMatchObject({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    });
  });
});

describe('message elements', () => {
  it('gives each message its exact raw text, whatever the markup inside', () => {
    const messages = [
      '<radiation id="R1" note="a > b" other=\'c/>d\'><motif>abandon</motif></radiation>',
      '<radiation id="R2"><!-- </radiation> --><motif><![CDATA[</radiation> & <x>]]></motif></radiation>',
      '<radiation id="R3"/>',
      '<radiation\n    id="R4"\n><radiation>nested</radiation><?pi </radiation>?></radiation   >',
    ];
    const text = lot(
      `\n  ${messages[0]}\n  <!-- <radiation id="comment"/> -->\n  ${messages.slice(1).join('\n  ')}\n`,
    );
    const read = reader.readLot(Buffer.from(text)).messages;
    expect(read.map((m) => m.raw)).toEqual(messages);
    expect(read.map((m) => m.content)).toEqual([
      { motif: 'abandon', '@id': 'R1', '@note': 'a > b', '@other': 'c/>d' },
      { motif: '</radiation> & <x>', '@id': 'R2' },
      { '@id': 'R3' },
      { radiation: 'nested', '@id': 'R4' },
    ]);
  });

  it('keeps raw slices exact in a latin1 document (slices of the decoded text)', () => {
    const text = lot('<m>Hélène</m><m>Zoé</m>', '<?xml version="1.0" encoding="ISO-8859-1"?>');
    expect(reader.readLot(Buffer.from(text, 'latin1')).messages.map((m) => m.raw)).toEqual([
      '<m>Hélène</m>',
      '<m>Zoé</m>',
    ]);
  });

  it('parses values as trimmed strings, references decoded, repeated elements as arrays', () => {
    const text = lot(`<m id="007">
      <n>  0012.50  </n><b>true</b><e/>
      <t>Dupont &amp; fils &lt;&#233;&#xE9;&gt; &quot;&apos;</t>
      <c><commune rang="1">59350</commune></c>
      <d><commune rang="1">59350</commune><commune rang="2">59512</commune></d>
    </m>`);
    expect(reader.readLot(Buffer.from(text)).messages[0]?.content).toEqual({
      '@id': '007',
      n: '0012.50',
      b: 'true',
      e: '',
      t: 'Dupont & fils <éé> "\'',
      c: { commune: [{ '#text': '59350', '@rang': '1' }] },
      d: {
        commune: [
          { '#text': '59350', '@rang': '1' },
          { '#text': '59512', '@rang': '2' },
        ],
      },
    });
  });

  it('resolves each message namespace: prefixes, default namespace, redeclarations', () => {
    const text = `<s:lot xmlns:s="urn:sne:spt:2" xmlns:o="urn:other">
      <s:a/><o:b/><c/><d xmlns="urn:sne:spt:2"/><o:e xmlns:o="urn:sne:spt:2"><o:x>1</o:x></o:e>
    </s:lot>`;
    expect(reader.readLot(Buffer.from(text)).messages.map((m) => [m.name, m.namespace, m.content])).toEqual([
      ['a', 'urn:sne:spt:2', ''],
      ['b', 'urn:other', ''],
      ['c', null, ''],
      ['d', 'urn:sne:spt:2', ''],
      ['e', 'urn:sne:spt:2', { x: '1' }],
    ]);
  });

  it('reads messages whose elements are named __proto__, constructor, prototype or nest too deep: each its own, the lot whole', () => {
    const deep = `<m id="D"><x>${'<d>'.repeat(150)}${'</d>'.repeat(150)}</x></m>`;
    const text = lot(
      `<m id="P"><a><__proto__><polluted>yes</polluted></__proto__></a></m><m id="C"><constructor/><prototype/></m>${deep}<m id="G"><a>1</a></m>`,
    );
    const messages = reader.readLot(Buffer.from(text)).messages;
    expect(messages.map((m) => [m.content, m.problem])).toEqual([
      [{ a: { ['__proto__']: { polluted: 'yes' } }, '@id': 'P' }, undefined],
      [{ constructor: '', prototype: '', '@id': 'C' }, undefined],
      [{ '@id': 'D' }, { path: '/x', message: expect.stringContaining('more than 100 levels deep') }],
      [{ a: '1', '@id': 'G' }, undefined],
    ]);
    const a = (messages[0]?.content as Record<string, Record<string, unknown>> | undefined)?.a;
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
    expect(a?.polluted).toBeUndefined();
    expect(messages[2]?.raw).toBe(deep);
  });

  it('adds to a message element the namespace declarations of the root it relies on, nothing else', () => {
    const text = `<s:lot xmlns:s="urn:sne:spt:2" xmlns:o="urn:o&amp;&quot;" xmlns:unused="urn:u">
      <s:a id="1"><s:motif>abandon</s:motif></s:a>
      <o:b o:x="1"/>
      <c/>
      <s:d xmlns:s="urn:sne:spt:2"><s:e/></s:d>
      <s:f><g xml:lang="fr"/><o:h/><i:j xmlns:i="urn:i"/><k xmlns="urn:k"/></s:f>
      <s:l><undeclared:m/></s:l>
    </s:lot>`;
    const messages = reader.readLot(Buffer.from(text)).messages;
    expect(messages.map((m) => m.raw)).toEqual([
      '<s:a xmlns:s="urn:sne:spt:2" id="1"><s:motif>abandon</s:motif></s:a>',
      '<o:b xmlns:o="urn:o&amp;&quot;" o:x="1"/>',
      '<c xmlns=""/>',
      '<s:d xmlns:s="urn:sne:spt:2"><s:e/></s:d>',
      '<s:f xmlns:s="urn:sne:spt:2" xmlns:o="urn:o&amp;&quot;" xmlns=""><g xml:lang="fr"/><o:h/><i:j xmlns:i="urn:i"/><k xmlns="urn:k"/></s:f>',
      '<s:l xmlns:s="urn:sne:spt:2"><undeclared:m/></s:l>',
    ]);
    // Read alone, each is the element it was in the lot.
    for (const message of messages) {
      const alone = reader.readElement(message.raw);
      expect([alone.name, alone.namespace, alone.content]).toEqual([
        message.name,
        message.namespace,
        message.content,
      ]);
    }
    expect(messages.map((m) => m.namespace)).toEqual([
      'urn:sne:spt:2',
      'urn:o&"',
      null,
      'urn:sne:spt:2',
      'urn:sne:spt:2',
      'urn:sne:spt:2',
    ]);
  });

  it('leaves the elements of a lot in the default namespace as written', () => {
    const elements = ['<a id="1"><b>x</b></a>', '<c xmlns="urn:other"/>', '<d xmlns:p="urn:p"><p:e/></d>'];
    const messages = reader.readLot(Buffer.from(lot(elements.join('')))).messages;
    expect(messages.map((m) => m.raw)).toEqual(elements);
  });

  it('reads a message element alone, in the dialect namespace unless it says otherwise', () => {
    expect(reader.readElement('<radiation id="R1"><motif>abandon</motif></radiation>')).toEqual({
      name: 'radiation',
      namespace: 'urn:sne:spt:2',
      raw: '<radiation id="R1"><motif>abandon</motif></radiation>',
      content: { motif: 'abandon', '@id': 'R1' },
    });
    expect(reader.readElement('<radiation xmlns="urn:x"/>').namespace).toBe('urn:x');
    expect(problem(() => reader.readElement('<!DOCTYPE x><x/>')).code).toBe('XML_DOCTYPE_FORBIDDEN');
    expect(problem(() => reader.readElement('<x><y></x>')).code).toBe('XML_MALFORMED');
  });
});
