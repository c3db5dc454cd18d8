import Digest
import ModuleErrors
import Synchronization

/// The rows hash of every partition of one table (see `PartitionReuse`): SHA-256 of each row's
/// hash input (`PartitionRecordFormat.hashInput`), in input order, per partition.
///
/// Blocks of the staging file are decoded on several threads and finish in any order, but SHA-256
/// is sequential, so a block's rows may be hashed only after every earlier block's. The thread that
/// decodes a block hashes it itself, from its own buffers, when every earlier block is hashed (the
/// usual case: nothing is copied); otherwise it leaves what hashes them later (its compressed
/// records, which the spill keeps anyway, or a copy of the hash input when that needs the staging
/// lines), and the thread that hashes the block before it goes on with it. So no thread waits, and
/// the hash is that of the rows in order however the file was cut into blocks.
final class PartitionRowsHashes: Sendable {
    /// One partition's hash.
    final class Hash: Sendable {
        let value: String
        private let hasher = Mutex<SHA256?>(SHA256())

        init(value: String) {
            self.value = value
        }

        /// Runs `body` with the hasher (only the thread holding the hashing turn calls it).
        func update<T>(_ body: (inout SHA256) -> T) -> T {
            hasher.withLock { hasher in
                guard var current = hasher.take() else { preconditionFailure("a partition's rows hash was updated after its digest") }
                let result = body(&current)
                hasher = consume current
                return result
            }
        }

        /// The digest; call once, after the last update.
        func hexDigest() -> String {
            hasher.withLock { $0.take() }?.hexDigest() ?? SHA256().hexDigest()
        }
    }

    /// One partition's rows of a block decoded before its turn: `feed` adds their hash input to
    /// the hasher, and returns false when it cannot (its scratch data did not read back).
    struct Piece: Sendable {
        let hash: Hash
        let feed: @Sendable (inout SHA256) -> Bool

        init(hash: Hash, feed: @escaping @Sendable (inout SHA256) -> Bool) {
            self.hash = hash
            self.feed = feed
        }

        /// A copy of the hash input.
        init(hash: Hash, bytes: [UInt8]) {
            self.init(hash: hash) { hasher in
                bytes.withUnsafeBytes { hasher.update($0) }
                return true
            }
        }
    }

    private struct State: Sendable {
        var hashes: [String: Hash] = [:]
        /// Blocks before `next` have been taken for hashing (and are hashed when `hashing` is false).
        var next = 0
        /// A thread holds the hashing turn.
        var hashing = false
        /// Blocks that finished before their turn, by block index.
        var pending: [Int: [Piece]] = [:]
        /// Partitions whose hash input could not be read back.
        var failed: [String] = []
    }

    private let state = Mutex(State())

    /// The hash of partition `value` (made on first use).
    func hash(of value: String) -> Hash {
        state.withLock { state in
            if let hash = state.hashes[value] { return hash }
            let hash = Hash(value: value)
            state.hashes[value] = hash
            return hash
        }
    }

    /// Adds block `index`'s rows (blocks are numbered from 0 in input order, each added once): when
    /// every earlier block is hashed, `inPlace` hashes them now on this thread; otherwise `copy`
    /// returns what hashes them per partition later, in turn (possibly on another thread).
    func add(block index: Int, inPlace: () -> Void, copy: () -> [Piece]) {
        let turn = state.withLock { state in
            guard !state.hashing, state.next == index else { return false }
            state.hashing = true
            return true
        }
        if turn {
            inPlace()
            state.withLock { $0.next = index + 1 }
        } else {
            let pieces = copy()
            let takesOver = state.withLock { state in
                state.pending[index] = pieces
                // The thread that held the turn may have let it go before the copy was left.
                guard !state.hashing, state.pending[state.next] != nil else { return false }
                state.hashing = true
                return true
            }
            guard takesOver else { return }
        }
        // Hash the blocks that finished early and are now next, then let the turn go.
        while true {
            let pieces: [Piece]? = state.withLock { state in
                guard let pieces = state.pending.removeValue(forKey: state.next) else {
                    state.hashing = false
                    return nil
                }
                state.next += 1
                return pieces
            }
            guard let pieces else { return }
            for piece in pieces where !piece.hash.update({ piece.feed(&$0) }) {
                state.withLock { $0.failed.append(piece.hash.value) }
            }
        }
    }

    /// Every partition's digest, by partition value; call once, after the last block was added.
    func digests() throws -> [String: String] {
        let (hashes, failed) = state.withLock { state in
            precondition(!state.hashing && state.pending.isEmpty, "rows hashes read before every block was hashed")
            return (state.hashes, state.failed)
        }
        if let value = failed.first {
            throw LoadError(.io, "partition \(value): its scratch rows did not read back to be hashed (memory corrupt?); re-run the load")
        }
        return hashes.mapValues { $0.hexDigest() }
    }
}
