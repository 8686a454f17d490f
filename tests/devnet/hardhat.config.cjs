// Hardhat config for the arbiusd test devnet (used only by `hardhat node`, never `hardhat compile`:
// contracts are compiled with solc-js by compile.mjs). Knobs come from the environment so that
// devnet.mjs can set them per run:
//   DEVNET_CHAIN_ID        default 42161 (Arbitrum One, so the daemon's embedded defaults apply)
//   DEVNET_BLOCK_GAS_LIMIT default 60000000 (a single tx is still capped at 16,777,216 by Osaka)
//   DEVNET_ACCOUNTS        default 24 unlocked accounts (mnemonic "test test ... junk")
//   DEVNET_LOGGING         "1" to log every JSON-RPC call to stdout (slow)
//   DEVNET_INITIAL_DATE    ISO date of the genesis block (default: now); make demo starts a month back
const path = require('node:path');
const env = process.env;

/** @type import('hardhat/config').HardhatUserConfig */
module.exports = {
  paths: {
    root: __dirname,
    sources: path.join(__dirname, 'contracts'),
    cache: path.join(__dirname, 'build', 'hardhat-cache'),
    artifacts: path.join(__dirname, 'build', 'hardhat-artifacts'),
  },
  networks: {
    hardhat: {
      chainId: Number(env.DEVNET_CHAIN_ID || 42161),
      blockGasLimit: Number(env.DEVNET_BLOCK_GAS_LIMIT || 60000000),
      initialBaseFeePerGas: 10000000, // 0.01 gwei, Arbitrum-like
      loggingEnabled: env.DEVNET_LOGGING === '1',
      allowBlocksWithSameTimestamp: false,
      ...(env.DEVNET_INITIAL_DATE ? { initialDate: env.DEVNET_INITIAL_DATE } : {}),
      mining: { auto: true, interval: 0, mempool: { order: 'fifo' } },
      accounts: {
        count: Number(env.DEVNET_ACCOUNTS || 24),
        accountsBalance: '1000000000000000000000000', // 1M ETH each
      },
    },
  },
};
