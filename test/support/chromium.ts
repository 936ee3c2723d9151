import { aptInstall } from '../../src/cluster/tools';
import { onPath } from '../../src/temporal/cli';

/**
 * Debian's chromium for the browser tests (playwright-core drives it; it downloads no browser of
 * its own). In order: WA_CHROMIUM_PATH, a chromium on PATH, else apt-get when running as root
 * (as CI does), else a message naming the install command.
 */
const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

const found = (): string | undefined => process.env.WA_CHROMIUM_PATH || NAMES.map(onPath).find(Boolean);

export function obtainChromium(): string {
  const existing = found();
  if (existing) return existing;
  aptInstall('chromium', 'No chromium found. Install it (Debian: apt-get install chromium) or set WA_CHROMIUM_PATH to a Chromium or Chrome binary.');
  const installed = found();
  if (!installed) throw new Error('apt-get installed chromium but no chromium binary is on PATH.');
  return installed;
}

if (require.main === module) console.log(obtainChromium());
