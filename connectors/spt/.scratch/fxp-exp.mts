import { XMLParser, XMLValidator, XMLBuilder } from 'fast-xml-parser';
const cases = ['', '<a/><b/>', '<a>x</a>trail', '<a>&foo;</a>', '<a>&amp;&#233;&#xE9;&lt;</a>', '<a b="x>y"><!-- <c> --><![CDATA[<d>]]></a>', '<a><b></a>', '<a x="1" x="2"/>', '<a\n><b>\n</c></a>', '<p:a xmlns:p="u"><p:b/></p:a>', ' <a/>', '<?xml version="1.0"?>\n<a/>', '<a>&</a>', '<a b="&"/>', '<a b="<"/>', '<a>]]></a>'];
for (const c of cases) console.log(JSON.stringify(c), JSON.stringify(XMLValidator.validate(c)));
const p = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, parseAttributeValue: false, trimValues: true, removeNSPrefix: true, isArray: (n) => n === 'commune' });
console.log(JSON.stringify(p.parse('<x:m xmlns:x="u" id="1"><demande numeroUnique="a&amp;b"/><t>&amp;&#233;&#xE9;&lt;&foo;</t><e/><e2></e2><c><commune rang="1"> 59 </commune></c><t2><![CDATA[ a<b ]]></t2><n> a <!-- x --> b </n></x:m>')));
const b = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true });
console.log(b.build({ accuse: { '@_xmlns': 'urn:sne:spt:2', '@_lotId': 'a"<&', message: [{ '@_id': 'M1', error: [{ '@_code': 'X', '#text': 'a < b & "c"' }] }, { '@_id': 'M2' }] } }));
