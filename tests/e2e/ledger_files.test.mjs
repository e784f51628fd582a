// The ledger's files as a community worker uses them: export what the
// filters show to Excel and watch it arrive, then import a CSV — refused
// row by row when a row is wrong, imported when told to skip the wrong
// rows — with the ledger counting the newcomers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, DEMO, DEMO_PASSWORD } from '../api/lib/server.mjs';
import { uniquePhone } from '../api/lib/client.mjs';
import { launch, openPage, DESKTOP } from './lib/browser.mjs';
import { layoutProblems, shoot } from './lib/shots.mjs';

let browser, dir;
before(async () => {
	browser = await launch();
	dir = mkdtempSync(join(tmpdir(), 'yz-e2e-files-'));
});
after(async () => {
	await browser?.close();
	rmSync(dir, { recursive: true, force: true });
});

test('staff export the ledger to Excel and import a CSV, wrong rows named, right rows counted', async (t) => {
	const srv = await startServer({ args: ['--tiles', 'none'] });
	t.after(() => srv.stop());
	const { page, ctx, problems } = await openPage(browser, srv.url, { viewport: DESKTOP });
	t.after(() => ctx.close());
	await page.goto('/ledger.html');
	await page.fill('form.signin input[name="phone"]', DEMO.staff);
	await page.fill('form.signin input[name="password"]', DEMO_PASSWORD);
	await page.click('form.signin button[type="submit"]');
	await page.waitForSelector('#ledger-files');
	await page.waitForSelector('#count-total');
	const before = Number((await page.textContent('#count-total .stat-n'))?.replace(/\D/g, ''));
	assert.ok(before > 0, 'the demo street has people');

	const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-xlsx')]);
	assert.match(download.suggestedFilename(), /^台账-\d{4}-\d{2}-\d{2}\.xlsx$/);
	const saved = join(dir, 'export.xlsx');
	await download.saveAs(saved);
	assert.deepEqual([...readFileSync(saved).subarray(0, 2)], [0x50, 0x4b], 'a ZIP: an Excel workbook');
	await page.waitForSelector('#export-progress-note:has-text("已导出")');
	assert.match(await page.textContent('#export-progress-note'), new RegExp(`已导出 ${before} 人`));

	const good = () => ['页面导入', uniquePhone('189'), '外卖骑手', '美团', '610303008003'];
	const csv = (rows) => '\ufeff' + rows.map((r) => r.join(',')).join('\r\n') + '\r\n';
	const file = join(dir, 'import.csv');
	writeFileSync(file, csv([['姓名', '手机号', '类别', '平台/单位', '所属区域代码'], good(), ['坏号码', '123', '骑手', '', '610303008003'], good()]));
	await page.setInputFiles('#import-file', file);
	await page.click('#import-go');
	await page.waitForSelector('#import-result');
	assert.match(await page.textContent('#import-result'), /有 1 行不对/);
	assert.match(await page.textContent('#import-errors li'), /第 3 行 手机号/);
	await shoot(page, 'desktop-ledger-import-rejected');

	await page.check('#import-skip');
	await page.click('#import-go');
	await page.waitForSelector('#import-result.files-ok');
	assert.match(await page.textContent('#import-result'), /已导入 2 人，跳过 1 行/);
	await page.waitForFunction((n) => Number(document.querySelector('#count-total .stat-n')?.textContent.replace(/\D/g, '')) === n, before + 2);
	assert.deepEqual(await layoutProblems(page), []);
	await shoot(page, 'desktop-ledger-imported');
	assert.deepEqual(problems, []);
});
