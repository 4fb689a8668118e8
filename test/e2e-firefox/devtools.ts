/**
 * Firefox's DevTools toolbox, opened for a tab from the browser window's chrome scope (chrome-scope.ts):
 * WebDriver BiDi has no command for DevTools (nothing like CDP's Target.openDevTools), so DevTools' own
 * `gDevTools.showToolboxForTab` opens it, as the user's F12 would, in headless mode too. The toolbox then loads
 * the add-on's `devtools_page`, which registers the Step-Up tool and its network listener.
 *
 * What this cannot do: read the Step-Up panel's DOM inside the toolbox. The panel is a `<browser>` of the
 * extension process embedded in the privileged toolbox document; BiDi lists neither as a content context, a
 * chrome-scope script cannot reach into another process's document, and `extension.getViews()` leaves
 * DevTools pages out. So the panel's views are tested as an extension page (run.ts), and DevTools for what
 * only it does: registering the tool and the devtools.network capture.
 */
import type { Browser } from 'puppeteer-core';
import { inBrowserWindow } from './chrome-scope.ts';

/** Chrome-scope prelude: `gDevTools`, and `tab`/`toolbox` of the tab showing `url`. */
const withToolbox = (url: string, body: string) => `(async () => {
  const { require } = ChromeUtils.importESModule('resource://devtools/shared/loader/Loader.sys.mjs');
  const { gDevTools } = require('devtools/client/framework/devtools');
  const tab = gBrowser.tabs.find((t) => t.linkedBrowser.currentURI.spec === ${JSON.stringify(url)});
  if (!tab) throw new Error('no tab shows ' + ${JSON.stringify(url)});
  ${body}
})()`;

/** Opens DevTools on the tab showing `url`, with `toolId` selected (`webconsole`, `netmonitor`, …). */
export async function openToolbox(browser: Browser, url: string, toolId: string): Promise<void> {
  await inBrowserWindow(
    browser,
    withToolbox(
      url,
      `await gDevTools.showToolboxForTab(tab, { toolId: ${JSON.stringify(toolId)} }); return 'ok';`,
    ),
  );
}

/** The tools add-ons registered in the toolbox of the tab showing `url`: `[{ id, label }]`. */
export async function addonTools(browser: Browser, url: string): Promise<{ id: string; label: string }[]> {
  return JSON.parse(
    await inBrowserWindow(
      browser,
      withToolbox(
        url,
        `const toolbox = gDevTools.getToolboxForTab(tab);
         return JSON.stringify(toolbox ? toolbox.getAdditionalTools().map((d) => ({ id: d.id, label: d.label })) : []);`,
      ),
    ),
  ) as { id: string; label: string }[];
}

/** Selects a tool of the toolbox of the tab showing `url`. */
export async function selectTool(browser: Browser, url: string, toolId: string): Promise<void> {
  await inBrowserWindow(
    browser,
    withToolbox(
      url,
      `await gDevTools.getToolboxForTab(tab).selectTool(${JSON.stringify(toolId)}); return 'ok';`,
    ),
  );
}

/**
 * The URL an add-on tool's page has loaded ('' before): the toolbox shows it in an iframe holding a remote
 * `<browser>` of the extension process.
 */
export async function addonToolUrl(browser: Browser, url: string, toolId: string): Promise<string> {
  return inBrowserWindow(
    browser,
    withToolbox(
      url,
      `const toolbox = gDevTools.getToolboxForTab(tab);
       const frame = toolbox?.doc.getElementById('toolbox-panel-iframe-' + ${JSON.stringify(toolId)});
       const panel = frame?.contentDocument?.querySelector('browser');
       return panel?.currentURI?.spec ?? '';`,
    ),
  );
}

export async function closeToolbox(browser: Browser, url: string): Promise<void> {
  await inBrowserWindow(
    browser,
    withToolbox(
      url,
      `const toolbox = gDevTools.getToolboxForTab(tab); if (toolbox) await toolbox.destroy(); return 'ok';`,
    ),
  );
}

/**
 * A PNG of an add-on tool as shown in the toolbox (its `<browser>`'s `drawSnapshot`): a picture for people, as
 * its DOM cannot be read from here.
 */
export async function snapshotTool(browser: Browser, url: string, toolId: string): Promise<Buffer> {
  const dataUrl = await inBrowserWindow(
    browser,
    withToolbox(
      url,
      `const toolbox = gDevTools.getToolboxForTab(tab);
       const frame = toolbox.doc.getElementById('toolbox-panel-iframe-' + ${JSON.stringify(toolId)});
       const panel = frame.contentDocument.querySelector('browser');
       const { width, height } = panel.getBoundingClientRect();
       const bitmap = await panel.drawSnapshot(0, 0, Math.max(1, Math.floor(width)), Math.max(1, Math.floor(height)), 1, 'white');
       const canvas = document.createElementNS('http://www.w3.org/1999/xhtml', 'canvas');
       canvas.width = bitmap.width;
       canvas.height = bitmap.height;
       canvas.getContext('2d').drawImage(bitmap, 0, 0);
       return canvas.toDataURL('image/png');`,
    ),
  );
  return Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
}
