// Ponder indexing the Arbius engine, router and the token's Transfers out of
// the engine (what arbiusd reads) over one fixed block range, from the
// environment (bench/ponder.mjs sets it):
//
//   ARBIUS_RPC_URL      JSON-RPC endpoint (a devnet on 127.0.0.1)
//   ARBIUS_CHAIN_ID     default 42161
//   ARBIUS_ENGINE, ARBIUS_ROUTER, ARBIUS_TOKEN   contract addresses
//   ARBIUS_START_BLOCK, ARBIUS_END_BLOCK         the range, both included
//   PONDER_PGLITE_DIR   where the embedded PGlite database lives
//   PONDER_MAX_RPS      requests/s Ponder allows itself (default 10000:
//                       a local node needs no politeness; Ponder's own
//                       default of 50 would slow it down for nothing)
import { createConfig } from "ponder";
import { http } from "viem";

import { EngineAbi, RouterAbi, TokenAbi } from "./abis";

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === "") throw new Error(`${name} must be set (see ponder.config.ts)`);
  return v;
}

const hexAddr = (name: string) => env(name).toLowerCase() as `0x${string}`;
const engine = hexAddr("ARBIUS_ENGINE");
const startBlock = Number(env("ARBIUS_START_BLOCK"));
const endBlock = Number(env("ARBIUS_END_BLOCK"));

export default createConfig({
  database: { kind: "pglite", directory: env("PONDER_PGLITE_DIR") },
  networks: {
    arbitrum: {
      chainId: Number(process.env.ARBIUS_CHAIN_ID ?? 42161),
      transport: http(env("ARBIUS_RPC_URL"), { timeout: 120_000 }),
      maxRequestsPerSecond: Number(process.env.PONDER_MAX_RPS ?? 10000),
      pollingInterval: 1_000,
    },
  },
  contracts: {
    Engine: { network: "arbitrum", abi: EngineAbi, address: engine, startBlock, endBlock },
    Router: { network: "arbitrum", abi: RouterAbi, address: hexAddr("ARBIUS_ROUTER"), startBlock, endBlock },
    Token: {
      network: "arbitrum",
      abi: TokenAbi,
      address: hexAddr("ARBIUS_TOKEN"),
      filter: { event: "Transfer", args: { from: engine } },
      startBlock,
      endBlock,
    },
  },
});
