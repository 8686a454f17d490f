// Preloaded into the hardhat node (node -r): exit when the process that started the devnet is
// gone, so a crashed or SIGKILLed test never leaves a node behind.
const ppid = Number(process.env.DEVNET_PARENT_PID || 0);
if (ppid > 1) {
  const t = setInterval(() => {
    try {
      process.kill(ppid, 0);
    } catch {
      process.exit(0);
    }
  }, 500);
  t.unref();
}
