/**
 * The repository stands alone: every link in its Markdown resolves to a file inside it (or is
 * an http(s) URL), anchors name a heading of the target, and no file points outside the
 * repository to the workspace it was written in.
 */
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SKIP_DIRS = new Set(['node_modules', '.git', '.cache', 'out', 'vendor']);
const TEXT = /\.(md|ts|js|mjs|cjs|json|sh|fbp|html|css|yml|yaml)$|^Procfile$|^run$/;

function walk(dir: string, keep: (name: string) => boolean, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!SKIP_DIRS.has(name)) walk(path, keep, out);
    } else if (keep(name)) out.push(path);
  }
  return out;
}

/** Markdown without code: a link written inside a code block is an example, not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').replace(/`[^`\n]*`/g, '');
}

export function linksOf(markdown: string): string[] {
  const text = prose(markdown);
  const links: string[] = [];
  for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push(m[1]);
  for (const m of text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) links.push(m[1]);
  for (const m of text.matchAll(/<(?:a|img|source)\s[^>]*?(?:href|src|srcset)="([^"]+)"/gi)) links.push(m[1]);
  return links;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of markdown.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1].toLowerCase().replace(/`/g, '').replace(/[^\p{L}\p{N}\s_-]/gu, '').trim().replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Why a link does not resolve inside the repository, or undefined when it does. */
export function problemWith(from: string, link: string, root = ROOT): string | undefined {
  if (/^https?:\/\//i.test(link)) return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(link)) return 'only http(s) URLs and paths inside the repository';
  const [rawPath, anchor] = link.split('#', 2) as [string, string | undefined];
  const path = decodeURIComponent(rawPath);
  if (path.startsWith('/')) return 'an absolute path: write it relative to the file';
  const target = path === '' ? from : resolve(dirname(from), path);
  const inside = relative(root, target);
  if (inside.startsWith('..') || inside.split(sep).includes('node_modules')) return 'outside the repository';
  if (!existsSync(target)) return 'no such file';
  if (anchor !== undefined && target.endsWith('.md') && !anchorsOf(readFileSync(target, 'utf8')).has(anchor)) {
    return `no heading #${anchor} in ${relative(root, target)}`;
  }
  return undefined;
}

describe('documentation links', () => {
  const docs = [join(ROOT, 'README.md'), ...walk(ROOT, (name) => name.endsWith('.md')).filter((p) => p !== join(ROOT, 'README.md'))];

  it('finds the README, docs/ and the folder READMEs', () => {
    const names = docs.map((p) => relative(ROOT, p));
    expect(names).to.include.members(['README.md', join('docs', 'architecture.md'), join('docs', 'errors.md'), join('bench', 'README.md')]);
  });

  it('resolve inside the repository or are http(s) URLs', () => {
    const broken: string[] = [];
    let count = 0;
    for (const file of docs) {
      for (const link of linksOf(readFileSync(file, 'utf8'))) {
        count++;
        const problem = problemWith(file, link);
        if (problem) broken.push(`${relative(ROOT, file)}: ${link} (${problem})`);
      }
    }
    expect(broken).to.deep.equal([]);
    expect(count).to.be.greaterThan(20);
  });

  it('tells a broken link from a good one', () => {
    const readme = join(ROOT, 'README.md');
    expect(problemWith(readme, 'docs/errors.md')).to.equal(undefined);
    expect(problemWith(readme, 'https://example.com/x')).to.equal(undefined);
    expect(problemWith(readme, 'docs/nope.md')).to.equal('no such file');
    expect(problemWith(readme, '../elsewhere/DESIGN.md')).to.equal('outside the repository');
    expect(problemWith(readme, '/etc/passwd')).to.match(/absolute/);
    expect(problemWith(readme, 'file:///etc/passwd')).to.match(/only http/);
    expect(problemWith(readme, 'docs/errors.md#no-such-heading')).to.match(/no heading/);
    expect(linksOf('see [a](b.md), `[c](d.md)`, ![e](f.png)\n```\n[g](h.md)\n```\n[i]: j.md')).to.deep.equal(['b.md', 'f.png', 'j.md']);
  });

  it('no file names the workspace outside the repository', () => {
    // Spelt in two halves so this file does not match itself.
    const outside = new RegExp(['\\.\\./sha', 'red\\b|/work/sha', 'red\\b|the sha', 'red folder'].join(''));
    const offenders = walk(ROOT, (name) => TEXT.test(name))
      .filter((file) => outside.test(readFileSync(file, 'utf8')))
      .map((file) => relative(ROOT, file));
    expect(offenders).to.deep.equal([]);
  });
});
