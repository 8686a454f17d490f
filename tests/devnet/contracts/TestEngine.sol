// SPDX-License-Identifier: MIT
// arbiusd test devnet: an engine with the external surface of the Arbius engine
// (function selectors, view return layouts, events and topic0s of EngineV1..V2_EngineV6),
// written for the tests. It is NOT the upstream contract: no proxy, no time locks unless
// configured, no emission curve, no veStaking/voter.
//
// What matches the real engine (PROTOCOL.md 1.x):
//  - task id   = keccak256(abi.encode(msg.sender, prevhash, model, fee, cid)), cid = getIPFSCID(input)
//  - model id  = keccak256(abi.encode(msg.sender, addr, fee, cid)),           cid = getIPFSCID(template)
//  - getIPFSCID = 0x1220 || sha256(dag-pb UnixFS file leaf of the content)  (section 4)
//  - TaskSubmitted.sender = msg.sender (the router when submitted through TestRouter)
//  - claim order: SolutionClaimed, [Transfers], FeesPaid, [Transfers], RewardsPaid
//  - fee split: model fee (zeroed if > task fee) split model owner / treasury by
//    solutionModelFeePercentage (eras 5, 6; era 4 pays the whole model fee to the model addr);
//    remaining fee split treasury / validator by solutionFeePercentage; treasury parts accrue
//    in accruedFees (no transfer).
//  - reward: total = reward * model.rate / (2 * 1e18) (half notionally to veStaking);
//    treasury and task owner get Transfers, validator gets a Transfer (eras 4, 5) or a stake
//    credit (era 6, no Transfer).
//
// "era" selects the reward event style:
//   4 = V1..V4_1: no FeesPaid/RewardsPaid events, payouts visible only as AIUS Transfer(from=engine)
//   5 = V5..V5_2: FeesPaid(uint256,uint256,uint256,uint256) then RewardsPaid(uint256 x4), not indexed
//   6 = V6:       FeesPaid/RewardsPaid(bytes32 indexed model, bytes32 indexed task,
//                 address indexed validator, uint256 x4); validator fee+reward credited to stake
//
// Contestations (contestationVoteFinish):
//   eras 4, 5: raw comparison, yea voters > nay voters upholds; the voters of the winning side get
//              their slash back.
//   era 6:     V2_EngineV6's rules (semperai/arbius, the version that loops over the real voters):
//              yeas = masterContesterVoteAdder + yea voters, nays = nay voters; yeas > nays upholds
//              (fee refunded to the task owner, even when 0), a tie goes to the nays (the solver is
//              paid as on a claim); the losers' slashes are shared out with the V6 formulas; a
//              finish may take several calls (start_idx = the previous end_idx), only the first
//              one (start_idx 0) refunds or pays. Once a master contester registry is set
//              (setMasterContesterRegistry), only its master contesters may submitContestation.
//   The adder starts at 0 (as if V6's initialize had not run); initializeV6(adder) sets it
//   silently, as upstream's reinitializer does; setMasterContesterVoteAdder emits
//   MasterContesterVoteAdderSet.
pragma solidity 0.8.24;

interface IMasterContesterRegistryMin {
    function isMasterContester(address addr) external view returns (bool);
}

interface IERC20Min {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

struct Model {
    uint256 fee;
    address addr;
    uint256 rate;
    bytes cid;
}

struct Validator {
    uint256 staked;
    uint256 since;
    address addr;
}

struct PendingValidatorWithdrawRequest {
    uint256 unlockTime;
    uint256 amount;
}

struct Task {
    bytes32 model;
    uint256 fee;
    address owner;
    uint64 blocktime;
    uint8 version;
    bytes cid;
}

struct Solution {
    address validator;
    uint64 blocktime;
    bool claimed;
    bytes cid;
}

struct Contestation {
    address validator;
    uint64 blocktime;
    uint32 finish_start_index;
    uint256 slashAmount;
}

contract TestEngine {
    // ---------------------------------------------------------------- state
    IERC20Min public baseToken;
    address internal _owner;
    address public treasury;
    uint8 public era = 6;

    bytes32 public prevhash;
    uint256 public accruedFees;
    uint256 public veRewards;

    mapping(bytes32 => Model) public models;
    mapping(address => Validator) public validators;
    // Storage is compacted; tasks()/solutions() rebuild the real return layouts, so the external
    // surface is unchanged while the bulk benchmark needs far fewer SSTOREs:
    //  - a task is one slot (_taskRef) pointing at a shared record: all tasks of a bulkSubmitTask
    //    have the same model, fee, owner, blocktime, version and cid;
    //  - its solution reuses that slot (a pointer to a shared validator+blocktime record of the
    //    submitting call, claimed and raw-cid bits) plus one slot for the cid;
    //  - a cid made by the engine is always 0x1220||sha256, so only the hash is kept; a solution
    //    cid likewise when well-formed, else verbatim in _solutionRawCid.
    //  - tasks of one helper call share the record too when only their inputs differ; such a
    //    task keeps its own cid hash in _taskCidHash;
    //  _taskRef bits: [0,40) task record, [40,80) solution record, 80 claimed, 81 raw solution
    //  cid, 82 own task cid.
    struct TaskRec {
        bytes32 model;
        uint256 fee;
        address owner;
        uint64 blocktime;
        uint8 version;
        bytes32 cidHash;
    }
    struct SolutionRec {
        address validator;
        uint64 blocktime;
    }
    struct Sol {
        address validator;
        uint64 blocktime;
        bool claimed;
        bool raw;
    }
    uint256 private constant M40 = (1 << 40) - 1;
    uint256 private constant CLAIMED_BIT = 1 << 80;
    uint256 private constant RAW_BIT = 1 << 81;
    uint256 private constant OWNCID_BIT = 1 << 82;
    TaskRec[] internal _taskRecs; // [0]: the all-zero record of a task that does not exist
    SolutionRec[] internal _solutionRecs; // [0]: no solution
    mapping(bytes32 => uint256) internal _taskRef;
    mapping(bytes32 => bytes32) internal _solutionCidHash;
    mapping(bytes32 => bytes32) internal _taskCidHash; // a task's input cid when not its record's
    mapping(bytes32 => bytes) internal _solutionRawCid;
    mapping(bytes32 => Contestation) public contestations;
    mapping(bytes32 => uint256) public commitments;

    mapping(bytes32 => address[]) public contestationVoteYeas;
    mapping(bytes32 => address[]) public contestationVoteNays;
    mapping(bytes32 => mapping(address => bool)) public contestationVoted;

    mapping(address => mapping(uint256 => PendingValidatorWithdrawRequest))
        public pendingValidatorWithdrawRequests;
    mapping(address => uint256) public pendingValidatorWithdrawRequestsCount;
    mapping(address => uint256) public validatorWithdrawPendingAmount;

    // parameters (1e18 = 100%)
    uint256 public solutionFeePercentage = 0.1e18;
    uint256 public solutionModelFeePercentage = 0.1e18;
    uint256 public treasuryRewardPercentage = 0.1e18;
    uint256 public taskOwnerRewardPercentage = 0.1e18;
    uint256 public minClaimSolutionTime = 0;
    uint256 public minContestationVotePeriodTime = 0;
    uint256 public exitValidatorMinUnlockTime = 0;
    uint256 public slashAmount = 0;
    bool public requireCommitment = false;
    uint256 private rewardAmount = 1e18; // what getReward() answers

    // V6: master contesters (only they may contest once a registry is set) and their vote adder
    address public masterContesterRegistry;
    uint32 public masterContesterVoteAdder;

    // ---------------------------------------------------------------- events
    event ModelRegistered(bytes32 indexed id);
    event ModelFeeChanged(bytes32 indexed id, uint256 fee);
    event ModelAddrChanged(bytes32 indexed id, address addr);
    event SolutionMineableRateChange(bytes32 indexed id, uint256 rate);
    event TaskSubmitted(bytes32 indexed id, bytes32 indexed model, uint256 fee, address indexed sender);
    event TaskRetracted(bytes32 indexed id);
    event SignalCommitment(address indexed addr, bytes32 indexed commitment);
    event SolutionSubmitted(address indexed addr, bytes32 indexed task);
    event SolutionClaimed(address indexed addr, bytes32 indexed task);
    event ContestationSubmitted(address indexed addr, bytes32 indexed task);
    event ContestationSuggested(address indexed addr, bytes32 indexed task);
    event ContestationVote(address indexed addr, bytes32 indexed task, bool yea);
    event ContestationVoteFinish(bytes32 indexed id, uint32 indexed start_idx, uint32 end_idx);
    event ValidatorDeposit(address indexed addr, address indexed validator, uint256 amount);
    event ValidatorWithdrawInitiated(address indexed addr, uint256 indexed count, uint256 unlockTime, uint256 amount);
    event ValidatorWithdrawCancelled(address indexed addr, uint256 indexed count);
    event ValidatorWithdraw(address indexed addr, address indexed to, uint256 indexed count, uint256 amount);
    event TreasuryTransferred(address indexed to);
    event MasterContesterRegistrySet(address indexed registry);
    event MasterContesterVoteAdderSet(uint32 adder);
    // V5..V5_2 (no indexed parameters)
    event RewardsPaid(uint256 totalRewards, uint256 treasuryReward, uint256 taskOwnerReward, uint256 validatorReward);
    event FeesPaid(uint256 modelFee, uint256 treasuryFee, uint256 remainingFee, uint256 validatorFee);
    // V6
    event RewardsPaid(bytes32 indexed model, bytes32 indexed task, address indexed validator, uint256 totalRewards, uint256 treasuryReward, uint256 taskOwnerReward, uint256 validatorReward);
    event FeesPaid(bytes32 indexed model, bytes32 indexed task, address indexed validator, uint256 modelFee, uint256 treasuryFee, uint256 remainingFee, uint256 validatorFee);

    // ---------------------------------------------------------------- errors
    error NotOwner();
    error BadEra(uint8 era);
    error ModelDoesNotExist();
    error ModelAlreadyRegistered();
    error LowerFeeThanModelFee();
    error InputTooLarge();
    error TaskDoesNotExist();
    error NotTaskOwner();
    error TaskHasSolution();
    error SolutionAlreadySubmitted();
    error SolutionNotFound();
    error NonExistentCommitment();
    error CommitmentExists();
    error AlreadyClaimed();
    error NotEnoughDelay();
    error HasContestation();
    error ContestationAlreadyExists();
    error ContestationDoesntExist();
    error AlreadyVoted();
    error VotingPeriodNotEnded();
    error AmntTooSmall();
    error LengthMismatch();
    error RequestNotExist();
    error WaitLonger();
    error StakeInsufficient();
    error TransferFailed();
    error NotMasterContester();
    error InvalidRegistry();
    error InvalidMultiplier();

    modifier onlyOwner() {
        if (msg.sender != _owner) revert NotOwner();
        _;
    }

    constructor(address baseToken_, address treasury_) {
        baseToken = IERC20Min(baseToken_);
        _owner = msg.sender;
        treasury = treasury_;
        _taskRecs.push();
        _solutionRecs.push();
    }

    // ---------------------------------------------------------------- admin (devnet knobs)
    function owner() external view returns (address) {
        return _owner;
    }

    function setEra(uint8 era_) external onlyOwner {
        if (era_ < 4 || era_ > 6) revert BadEra(era_);
        era = era_;
    }

    function setReward(uint256 amount_) external onlyOwner {
        rewardAmount = amount_;
    }

    function setPercentages(uint256 solutionFee_, uint256 solutionModelFee_, uint256 treasuryReward_, uint256 taskOwnerReward_)
        external
        onlyOwner
    {
        solutionFeePercentage = solutionFee_;
        solutionModelFeePercentage = solutionModelFee_;
        treasuryRewardPercentage = treasuryReward_;
        taskOwnerRewardPercentage = taskOwnerReward_;
    }

    function setTimes(uint256 minClaim_, uint256 minVotePeriod_, uint256 exitUnlock_) external onlyOwner {
        minClaimSolutionTime = minClaim_;
        minContestationVotePeriodTime = minVotePeriod_;
        exitValidatorMinUnlockTime = exitUnlock_;
    }

    function setSlashAmount(uint256 amount_) external onlyOwner {
        slashAmount = amount_;
    }

    function setRequireCommitment(bool required_) external onlyOwner {
        requireCommitment = required_;
    }

    /// V6: only the registry's master contesters may contest (in era 6) once this is set.
    function setMasterContesterRegistry(address registry_) external onlyOwner {
        if (registry_ == address(0)) revert InvalidRegistry();
        masterContesterRegistry = registry_;
        emit MasterContesterRegistrySet(registry_);
    }

    /// V6: votes added to the yeas of every contestation finished in era 6.
    function setMasterContesterVoteAdder(uint32 amount_) external onlyOwner {
        if (amount_ > 500) revert InvalidMultiplier();
        masterContesterVoteAdder = amount_;
        emit MasterContesterVoteAdderSet(amount_);
    }

    /// What upstream's V6 initialize() does to the adder: set it without an event. An indexer
    /// learns it only from the masterContesterVoteAdder() view.
    function initializeV6(uint32 adder_) external onlyOwner {
        masterContesterVoteAdder = adder_;
    }

    function transferTreasury(address to_) external onlyOwner {
        treasury = to_;
        emit TreasuryTransferred(to_);
    }

    function setModelFee(bytes32 model_, uint256 fee_) external onlyOwner {
        if (models[model_].addr == address(0)) revert ModelDoesNotExist();
        models[model_].fee = fee_;
        emit ModelFeeChanged(model_, fee_);
    }

    function setModelAddr(bytes32 model_, address addr_) external onlyOwner {
        if (models[model_].addr == address(0)) revert ModelDoesNotExist();
        models[model_].addr = addr_;
        emit ModelAddrChanged(model_, addr_);
    }

    function setSolutionMineableRate(bytes32 model_, uint256 rate_) external onlyOwner {
        if (models[model_].addr == address(0)) revert ModelDoesNotExist();
        models[model_].rate = rate_;
        emit SolutionMineableRateChange(model_, rate_);
    }

    function withdrawAccruedFees() external onlyOwner {
        uint256 a = accruedFees;
        accruedFees = 0;
        _pay(treasury, a);
    }

    // ---------------------------------------------------------------- pure helpers
    function getReward() public view returns (uint256) {
        return rewardAmount;
    }

    function getSlashAmount() public view returns (uint256) {
        return slashAmount;
    }

    function generateIPFSCID(bytes calldata content_) external pure returns (bytes memory) {
        return _ipfsCid(content_);
    }

    function generateCommitment(address sender_, bytes32 taskid_, bytes calldata cid_) public pure returns (bytes32) {
        return keccak256(abi.encode(sender_, taskid_, cid_));
    }

    /// protobuf varint (LEB128)
    function _varint(uint256 n) internal pure returns (bytes memory out) {
        uint256 len = 1;
        for (uint256 m = n >> 7; m != 0; m >>= 7) len++;
        out = new bytes(len);
        for (uint256 i = 0; i < len; i++) {
            uint8 b = uint8(n & 0x7f);
            n >>= 7;
            if (n != 0) b |= 0x80;
            out[i] = bytes1(b);
        }
    }

    /// CIDv0 multihash of a single dag-pb UnixFS File leaf holding content_:
    /// 0x1220 || sha256(0x0a varint(len(meat)) meat), meat = 08 02 12 varint(n) content 18 varint(n)
    function _ipfsCid(bytes memory content_) internal pure returns (bytes memory) {
        return abi.encodePacked(hex"1220", _ipfsCidHash(content_));
    }

    function _ipfsCidHash(bytes memory content_) internal pure returns (bytes32) {
        if (content_.length > 65536) revert InputTooLarge();
        bytes memory n = _varint(content_.length);
        bytes memory meat = abi.encodePacked(hex"080212", n, content_, hex"18", n);
        return sha256(abi.encodePacked(hex"0a", _varint(meat.length), meat));
    }

    // ---------------------------------------------------------------- views with the real layouts
    function tasks(bytes32 id_)
        external
        view
        returns (bytes32 model, uint256 fee, address owner, uint64 blocktime, uint8 version, bytes memory cid)
    {
        TaskRec storage t = _task(id_);
        model = t.model;
        fee = t.fee;
        owner = t.owner;
        blocktime = t.blocktime;
        version = t.version;
        if (t.model != bytes32(0)) {
            cid = abi.encodePacked(hex"1220", _taskRef[id_] & OWNCID_BIT != 0 ? _taskCidHash[id_] : t.cidHash);
        }
    }

    function solutions(bytes32 id_) external view returns (address validator, uint64 blocktime, bool claimed, bytes memory cid) {
        Sol memory s = _sol(id_);
        validator = s.validator;
        blocktime = s.blocktime;
        claimed = s.claimed;
        if (s.raw) cid = _solutionRawCid[id_];
        else if (s.validator != address(0)) cid = abi.encodePacked(hex"1220", _solutionCidHash[id_]);
    }

    function _pay(address to_, uint256 amount_) internal {
        if (!baseToken.transfer(to_, amount_)) revert TransferFailed();
    }

    function _pull(address from_, uint256 amount_) internal {
        if (amount_ == 0) return;
        if (!baseToken.transferFrom(from_, address(this), amount_)) revert TransferFailed();
    }

    // ---------------------------------------------------------------- models
    function registerModel(address addr_, uint256 fee_, bytes calldata template_) external returns (bytes32) {
        bytes memory cid = _ipfsCid(template_);
        bytes32 id = keccak256(abi.encode(msg.sender, addr_, fee_, cid));
        if (addr_ == address(0)) revert ModelDoesNotExist();
        if (models[id].addr != address(0)) revert ModelAlreadyRegistered();
        models[id] = Model({fee: fee_, addr: addr_, rate: 0, cid: cid});
        emit ModelRegistered(id);
        return id;
    }

    // ---------------------------------------------------------------- validators
    function validatorDeposit(address validator_, uint256 amount_) external {
        _pull(msg.sender, amount_);
        Validator storage v = validators[validator_];
        if (v.since == 0) {
            v.since = block.timestamp;
            v.addr = validator_;
        }
        v.staked += amount_;
        emit ValidatorDeposit(msg.sender, validator_, amount_);
    }

    function initiateValidatorWithdraw(uint256 amount_) external returns (uint256) {
        if (validators[msg.sender].staked < validatorWithdrawPendingAmount[msg.sender] + amount_) revert StakeInsufficient();
        uint256 count = ++pendingValidatorWithdrawRequestsCount[msg.sender];
        uint256 unlockTime = block.timestamp + exitValidatorMinUnlockTime;
        pendingValidatorWithdrawRequests[msg.sender][count] = PendingValidatorWithdrawRequest(unlockTime, amount_);
        validatorWithdrawPendingAmount[msg.sender] += amount_;
        emit ValidatorWithdrawInitiated(msg.sender, count, unlockTime, amount_);
        return count;
    }

    function cancelValidatorWithdraw(uint256 count_) external {
        PendingValidatorWithdrawRequest memory req = pendingValidatorWithdrawRequests[msg.sender][count_];
        if (req.unlockTime == 0) revert RequestNotExist();
        validatorWithdrawPendingAmount[msg.sender] -= req.amount;
        delete pendingValidatorWithdrawRequests[msg.sender][count_];
        emit ValidatorWithdrawCancelled(msg.sender, count_);
    }

    function validatorWithdraw(uint256 count_, address to_) external {
        PendingValidatorWithdrawRequest memory req = pendingValidatorWithdrawRequests[msg.sender][count_];
        if (req.unlockTime == 0) revert RequestNotExist();
        if (block.timestamp < req.unlockTime) revert WaitLonger();
        if (validators[msg.sender].staked < req.amount) revert StakeInsufficient();
        validators[msg.sender].staked -= req.amount;
        validatorWithdrawPendingAmount[msg.sender] -= req.amount;
        delete pendingValidatorWithdrawRequests[msg.sender][count_];
        _pay(to_, req.amount);
        emit ValidatorWithdraw(msg.sender, to_, count_, req.amount);
    }

    // ---------------------------------------------------------------- tasks
    function _task(bytes32 id_) internal view returns (TaskRec storage) {
        return _taskRecs[_taskRef[id_] & M40];
    }

    function _sol(bytes32 id_) internal view returns (Sol memory s) {
        uint256 ref = _taskRef[id_];
        SolutionRec storage r = _solutionRecs[(ref >> 40) & M40];
        s.validator = r.validator;
        s.blocktime = r.blocktime;
        s.claimed = ref & CLAIMED_BIT != 0;
        s.raw = ref & RAW_BIT != 0;
    }

    /// n_ tasks sharing one record; ids chained through prevhash as upstream
    function _addTasks(uint8 version_, address owner_, bytes32 model_, uint256 fee_, bytes calldata input_, uint256 n_) internal {
        if (models[model_].addr == address(0)) revert ModelDoesNotExist();
        if (fee_ < models[model_].fee) revert LowerFeeThanModelFee();
        bytes32 h = _ipfsCidHash(input_);
        bytes memory cid = abi.encodePacked(hex"1220", h);
        uint256 ref = _taskRecs.length - 1;
        // a helper contract calling submitTask n times in one block makes n records that differ
        // at most by their input: share the last record when model, fee, owner, time and
        // version are equal, and keep a cid of the task's own when it differs (invisible
        // through tasks())
        TaskRec storage last = _taskRecs[ref];
        if (ref == 0 || last.model != model_ || last.fee != fee_ || last.owner != owner_
            || last.blocktime != uint64(block.timestamp) || last.version != version_) {
            ref = _taskRecs.length;
            _taskRecs.push(TaskRec({
                model: model_,
                fee: fee_,
                owner: owner_,
                blocktime: uint64(block.timestamp),
                version: version_,
                cidHash: h
            }));
        }
        bool ownCid = _taskRecs[ref].cidHash != h;
        bytes32 prev = prevhash;
        for (uint256 i = 0; i < n_; ++i) {
            bytes32 id = keccak256(abi.encode(msg.sender, prev, model_, fee_, cid));
            if (ownCid) {
                _taskRef[id] = ref | OWNCID_BIT;
                _taskCidHash[id] = h;
            } else {
                _taskRef[id] = ref;
            }
            emit TaskSubmitted(id, model_, fee_, msg.sender);
            prev = id;
        }
        prevhash = prev;
        _pull(msg.sender, fee_ * n_);
    }

    function submitTask(uint8 version_, address owner_, bytes32 model_, uint256 fee_, bytes calldata input_) external {
        _addTasks(version_, owner_, model_, fee_, input_, 1);
    }

    function bulkSubmitTask(uint8 version_, address owner_, bytes32 model_, uint256 fee_, bytes calldata input_, uint256 n_)
        external
    {
        _addTasks(version_, owner_, model_, fee_, input_, n_);
    }

    /// EngineV1/V2_EngineV1/V2 only upstream; the task is deleted and its fee refunded.
    function retractTask(bytes32 taskid_) external {
        TaskRec memory t = _task(taskid_);
        if (t.model == bytes32(0)) revert TaskDoesNotExist();
        if (t.owner != msg.sender) revert NotTaskOwner();
        if ((_taskRef[taskid_] >> 40) & M40 != 0) revert TaskHasSolution();
        delete _taskRef[taskid_];
        if (t.fee > 0) _pay(t.owner, t.fee);
        emit TaskRetracted(taskid_);
    }

    // ---------------------------------------------------------------- solutions
    function signalCommitment(bytes32 commitment_) external {
        if (commitments[commitment_] != 0) revert CommitmentExists();
        commitments[commitment_] = block.number;
        emit SignalCommitment(msg.sender, commitment_);
    }

    /// the solution record (validator, blocktime) shared by the solutions of one call
    function _newSolutionRec() internal returns (uint256 si) {
        si = _solutionRecs.length - 1;
        SolutionRec storage last = _solutionRecs[si];
        if (si != 0 && last.validator == msg.sender && last.blocktime == uint64(block.timestamp)) return si;
        si = _solutionRecs.length;
        _solutionRecs.push(SolutionRec({validator: msg.sender, blocktime: uint64(block.timestamp)}));
    }

    function _submitSolution(uint256 si_, bytes32 taskid_, bytes calldata cid_) internal {
        uint256 ref = _taskRef[taskid_];
        if (ref & M40 == 0) revert TaskDoesNotExist();
        if ((ref >> 40) & M40 != 0) revert SolutionAlreadySubmitted();
        if (requireCommitment) {
            uint256 c = commitments[generateCommitment(msg.sender, taskid_, cid_)];
            if (c == 0 || c >= block.number) revert NonExistentCommitment();
        }
        bool raw = cid_.length != 34 || cid_[0] != 0x12 || cid_[1] != 0x20;
        if (raw) _solutionRawCid[taskid_] = cid_;
        else _solutionCidHash[taskid_] = bytes32(cid_[2:34]);
        _taskRef[taskid_] = ref | (si_ << 40) | (raw ? RAW_BIT : 0);
        emit SolutionSubmitted(msg.sender, taskid_);
    }

    function submitSolution(bytes32 taskid_, bytes calldata cid_) external {
        _submitSolution(_newSolutionRec(), taskid_, cid_);
    }

    function bulkSubmitSolution(bytes32[] calldata taskids_, bytes[] calldata cids_) external {
        if (taskids_.length != cids_.length) revert LengthMismatch();
        uint256 si = _newSolutionRec();
        for (uint256 i = 0; i < taskids_.length; ++i) {
            _submitSolution(si, taskids_[i], cids_[i]);
        }
    }

    function claimSolution(bytes32 taskid_) external {
        Sol memory s = _sol(taskid_);
        if (s.validator == address(0)) revert SolutionNotFound();
        if (contestations[taskid_].validator != address(0)) revert HasContestation();
        if (block.timestamp < uint256(s.blocktime) + minClaimSolutionTime) revert NotEnoughDelay();
        if (s.claimed) revert AlreadyClaimed();
        _taskRef[taskid_] |= CLAIMED_BIT;
        emit SolutionClaimed(s.validator, taskid_);
        _claimSolutionFeesAndReward(taskid_);
    }

    function _claimSolutionFeesAndReward(bytes32 taskid_) internal {
        bytes32 model = _task(taskid_).model;
        address validator = _sol(taskid_).validator;
        uint8 e = era;

        {
            uint256 modelFee = models[model].fee;
            uint256 taskFee = _task(taskid_).fee;
            uint256 treasuryFee = 0;
            if (modelFee > taskFee) modelFee = 0;
            if (modelFee > 0) {
                if (e >= 5) {
                    treasuryFee = modelFee - (modelFee * (1e18 - solutionModelFeePercentage)) / 1e18;
                }
                if (modelFee - treasuryFee > 0) _pay(models[model].addr, modelFee - treasuryFee);
            }
            uint256 remainingFee = taskFee - modelFee;
            uint256 remainingTreasuryFee = remainingFee - (remainingFee * (1e18 - solutionFeePercentage)) / 1e18;
            uint256 validatorFee = remainingFee - remainingTreasuryFee;
            if (validatorFee > 0) {
                if (e == 6) validators[validator].staked += validatorFee;
                else _pay(validator, validatorFee);
            }
            accruedFees += treasuryFee + remainingTreasuryFee;
            if (e == 5) emit FeesPaid(modelFee, treasuryFee, remainingFee, validatorFee);
            else if (e == 6) emit FeesPaid(model, taskid_, validator, modelFee, treasuryFee, remainingFee, validatorFee);
        }

        uint256 rate = models[model].rate;
        if (rate > 0) {
            uint256 total = (getReward() * rate) / (2 * 1e18);
            veRewards += total;
            if (total > 0) {
                uint256 treasuryReward = total - (total * (1e18 - treasuryRewardPercentage)) / 1e18;
                uint256 taskOwnerReward = total - (total * (1e18 - taskOwnerRewardPercentage)) / 1e18;
                uint256 validatorReward = total - treasuryReward - taskOwnerReward;
                _pay(treasury, treasuryReward);
                _pay(_task(taskid_).owner, taskOwnerReward);
                if (e == 6) validators[validator].staked += validatorReward;
                else _pay(validator, validatorReward);
                if (e == 5) emit RewardsPaid(total, treasuryReward, taskOwnerReward, validatorReward);
                else if (e == 6) emit RewardsPaid(model, taskid_, validator, total, treasuryReward, taskOwnerReward, validatorReward);
            }
        }
    }

    // ---------------------------------------------------------------- contestations
    function submitContestation(bytes32 taskid_) external {
        if (era == 6 && masterContesterRegistry != address(0)
            && !IMasterContesterRegistryMin(masterContesterRegistry).isMasterContester(msg.sender)) {
            revert NotMasterContester();
        }
        Sol memory s = _sol(taskid_);
        if (s.validator == address(0)) revert SolutionNotFound();
        if (contestations[taskid_].validator != address(0)) revert ContestationAlreadyExists();
        if (s.claimed) revert AlreadyClaimed();
        contestations[taskid_] = Contestation({
            validator: msg.sender,
            blocktime: uint64(block.timestamp),
            finish_start_index: 0,
            slashAmount: slashAmount
        });
        emit ContestationSubmitted(msg.sender, taskid_);
        _voteOnContestation(taskid_, true, msg.sender);
        if (s.validator != msg.sender && validators[s.validator].staked >= slashAmount) {
            _voteOnContestation(taskid_, false, s.validator);
        }
    }

    function suggestContestation(bytes32 taskid_) external {
        if (_sol(taskid_).validator == address(0)) revert SolutionNotFound();
        if (contestations[taskid_].validator != address(0)) revert ContestationAlreadyExists();
        emit ContestationSuggested(msg.sender, taskid_);
    }

    function votingPeriodEnded(bytes32 taskid_) public view returns (bool) {
        return block.timestamp >= uint256(contestations[taskid_].blocktime) + minContestationVotePeriodTime;
    }

    function _voteOnContestation(bytes32 taskid_, bool yea_, address addr_) internal {
        contestationVoted[taskid_][addr_] = true;
        if (yea_) contestationVoteYeas[taskid_].push(addr_);
        else contestationVoteNays[taskid_].push(addr_);
        uint256 slash = contestations[taskid_].slashAmount;
        if (slash > 0) {
            if (validators[addr_].staked < slash) revert StakeInsufficient();
            validators[addr_].staked -= slash;
        }
        emit ContestationVote(addr_, taskid_, yea_);
    }

    function voteOnContestation(bytes32 taskid_, bool yea_) external {
        if (contestations[taskid_].validator == address(0)) revert ContestationDoesntExist();
        if (contestationVoted[taskid_][msg.sender]) revert AlreadyVoted();
        _voteOnContestation(taskid_, yea_, msg.sender);
    }

    function contestationVoteFinish(bytes32 taskid_, uint32 amnt_) external {
        Contestation storage c = contestations[taskid_];
        if (c.validator == address(0)) revert ContestationDoesntExist();
        if (!votingPeriodEnded(taskid_)) revert VotingPeriodNotEnded();
        if (amnt_ == 0) revert AmntTooSmall();

        uint32 start_idx = c.finish_start_index;
        uint32 end_idx = start_idx + amnt_;
        if (era == 6) _finishV6(taskid_, start_idx, end_idx, c.slashAmount);
        else _finishRaw(taskid_, start_idx, end_idx, c.slashAmount);
        c.finish_start_index = end_idx;
        emit ContestationVoteFinish(taskid_, start_idx, end_idx);
    }

    /// eras 4, 5: raw vote counts; the winning side gets its slash back
    function _finishRaw(bytes32 taskid_, uint32 start_idx, uint32 end_idx, uint256 slash) internal {
        uint256 yeas = contestationVoteYeas[taskid_].length;
        uint256 nays = contestationVoteNays[taskid_].length;
        if (yeas > nays) {
            // contestation succeeds: yeas get their slash back, the fee goes back to the task owner
            for (uint256 i = start_idx; i < end_idx && i < yeas; i++) {
                validators[contestationVoteYeas[taskid_][i]].staked += slash;
            }
            if (start_idx == 0) {
                TaskRec storage t = _task(taskid_);
                if (t.fee > 0) _pay(t.owner, t.fee);
            }
        } else {
            // contestation fails: nays get their slash back, the solver is paid as on a claim
            for (uint256 i = start_idx; i < end_idx && i < nays; i++) {
                validators[contestationVoteNays[taskid_][i]].staked += slash;
            }
            if (start_idx == 0) _claimSolutionFeesAndReward(taskid_);
        }
    }

    /// era 6: V2_EngineV6.contestationVoteFinish's decision and slash sharing (no solution stake,
    /// no claim cooldown on this devnet)
    function _finishV6(bytes32 taskid_, uint32 start_idx, uint32 end_idx, uint256 slash) internal {
        uint32 yeaVoters = uint32(contestationVoteYeas[taskid_].length);
        uint32 nayVoters = uint32(contestationVoteNays[taskid_].length);
        uint32 yeaCount = masterContesterVoteAdder + yeaVoters;
        uint32 nayCount = nayVoters;
        if (yeaCount > nayCount) {
            // upheld: the nays' slashes go half to the contester, the rest shared by the other yeas
            uint256 totalVal = nayCount * slash;
            uint256 toFirst = yeaCount == 1 ? totalVal : totalVal - (totalVal / 2);
            uint256 toOthers = yeaVoters > 1 ? (totalVal - toFirst) / (yeaVoters - 1) : 0;
            _creditVoters(contestationVoteYeas[taskid_], start_idx, end_idx, slash, toFirst, toOthers);
            if (start_idx == 0) {
                TaskRec storage t = _task(taskid_);
                _pay(t.owner, t.fee);
            }
        } else {
            // rejected (ties included): the yeas' slashes (adder included) go half to the accused
            uint256 totalVal = yeaCount * slash;
            uint256 toFirst = nayCount == 1 ? totalVal : totalVal / 2;
            uint256 toOthers = nayVoters > 1 ? (totalVal - toFirst) / (nayVoters - 1) : 0;
            _creditVoters(contestationVoteNays[taskid_], start_idx, end_idx, slash, toFirst, toOthers);
            if (start_idx == 0) _claimSolutionFeesAndReward(taskid_);
        }
    }

    /// voters[start, end) of the winning side: slash refunded plus their share
    function _creditVoters(address[] storage voters, uint32 start_idx, uint32 end_idx, uint256 slash, uint256 toFirst, uint256 toOthers)
        internal
    {
        uint256 n = voters.length;
        for (uint256 i = start_idx; i < end_idx; i++) {
            if (i < n) validators[voters[i]].staked += slash + (i == 0 ? toFirst : toOthers);
        }
    }

    function contestationVoteCounts(bytes32 taskid_) external view returns (uint256 yeas, uint256 nays) {
        return (contestationVoteYeas[taskid_].length, contestationVoteNays[taskid_].length);
    }
}
