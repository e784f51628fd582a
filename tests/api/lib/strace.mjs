// Running the real server under strace: whether strace is here, and how to
// stop the traced server (strace's child) so that strace exits with it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const haveStrace = (() => {
	try {
		execFileSync('strace', ['-o', '/dev/null', 'true']);
		return true;
	} catch {
		return false;
	}
})();

/**
 * Sends signal to the server strace runs (not to strace, which would only
 * detach), then waits until strace has exited; SIGKILL after 5 s.
 */
export async function stopTraced(strace, signal = 'SIGTERM') {
	const gone = new Promise((r) => (strace.exitCode !== null || strace.signalCode !== null ? r() : strace.once('close', r)));
	let children = [];
	try {
		children = readFileSync(`/proc/${strace.pid}/task/${strace.pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
	} catch {
		/* strace is gone already */
	}
	const send = (sig) => {
		for (const pid of children) {
			try {
				process.kill(pid, sig);
			} catch {
				/* gone */
			}
		}
	};
	send(signal);
	const timer = setTimeout(() => {
		send('SIGKILL');
		strace.kill('SIGKILL');
	}, 5000);
	await gone;
	clearTimeout(timer);
}
