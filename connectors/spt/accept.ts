/**
 * Whether an `Accept` header prefers XML to JSON. JSON is the default: without the header, with
 * `*` ranges only, or when both are equally acceptable, unless XML is listed first.
 */
export function prefersXml(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = accept.split(',').map((part, index) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    return { type, quality: Number.isFinite(quality) ? quality : 0, index };
  });
  const xml = best(ranges, ['application/xml', 'text/xml']);
  const json = best(ranges, ['application/json']);
  if (xml.quality !== json.quality) return xml.quality > json.quality;
  if (xml.quality === 0) return false;
  return (
    xml.specificity > json.specificity || (xml.specificity === json.specificity && xml.index < json.index)
  );
}

interface Range {
  type: string;
  quality: number;
  index: number;
}

/** How acceptable the media types are: the most specific range matching one of them decides (RFC 9110 §12.5.1). */
function best(
  ranges: Range[],
  mediaTypes: string[],
): { quality: number; specificity: number; index: number } {
  let found = { quality: 0, specificity: -1, index: Number.POSITIVE_INFINITY };
  for (const range of ranges) {
    for (const mediaType of mediaTypes) {
      const specificity =
        range.type === mediaType
          ? 2
          : range.type === `${mediaType.split('/')[0]}/*`
            ? 1
            : range.type === '*/*'
              ? 0
              : -1;
      const better =
        specificity > found.specificity ||
        (specificity === found.specificity && range.quality > found.quality);
      if (specificity >= 0 && better) found = { quality: range.quality, specificity, index: range.index };
    }
  }
  return found;
}
