// GET /counts: rows per table, plus how many tasks got a prompt and how many
// solutions a CID from calldata; bench/ponder.mjs checks them against the
// chain.  (Ponder itself serves /health, /ready, /status and /metrics.)
import { db } from "ponder:api";
import s from "ponder:schema";
import { Hono } from "hono";
import { count, isNotNull } from "ponder";

const app = new Hono();

app.get("/counts", async (c) => {
  const out: Record<string, number> = {};
  for (const [name, table] of Object.entries(s)) {
    const [r] = await db.select({ n: count() }).from(table as typeof s.task);
    out[name] = Number(r!.n);
  }
  const [p] = await db.select({ n: count() }).from(s.task).where(isNotNull(s.task.prompt));
  const [k] = await db.select({ n: count() }).from(s.solution).where(isNotNull(s.solution.cid));
  out.taskWithPrompt = Number(p!.n);
  out.solutionWithCid = Number(k!.n);
  return c.json(out);
});

export default app;
