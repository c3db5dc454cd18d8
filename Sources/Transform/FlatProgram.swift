/// A table's compiled expressions flattened into plain structs behind raw pointers, so evaluating a
/// row touches no reference counts.
struct FlatNode {
    enum Op: UInt8 { case objectSlot, unitSlot, column, text, bool, int, null, coalesce, derive }
    var op: Op
    /// Slot, column, text or derivation index.
    var index: Int32
    var argStart: Int32
    var argCount: Int32
    var int: Int64
}

/// The argument node indexes of one coalesce or derivation node.
struct FlatArgs {
    let base: UnsafePointer<Int32>
    let count: Int

    @inline(__always) subscript(_ i: Int) -> Int32 { base[i] }
}

final class FlatProgram {
    let nodes: UnsafeMutablePointer<FlatNode>
    let args: UnsafeMutablePointer<Int32>
    let derivations: [Derivation]
    /// Root node per column.
    let roots: UnsafeMutablePointer<Int32>
    let nodeCount: Int
    let argCount: Int
    let rootCount: Int

    init(expressions: [CompiledExpression]) {
        var nodes: [FlatNode] = []
        var args: [Int32] = []
        var derivations: [Derivation] = []
        func flatten(_ e: CompiledExpression) -> Int32 {
            switch e {
            case .objectSlot(let s): nodes.append(FlatNode(op: .objectSlot, index: Int32(s), argStart: 0, argCount: 0, int: 0))
            case .unitSlot(let s): nodes.append(FlatNode(op: .unitSlot, index: Int32(s), argStart: 0, argCount: 0, int: 0))
            case .column(let c): nodes.append(FlatNode(op: .column, index: Int32(c), argStart: 0, argCount: 0, int: 0))
            case .text(let t): nodes.append(FlatNode(op: .text, index: Int32(t), argStart: 0, argCount: 0, int: 0))
            case .bool(let b): nodes.append(FlatNode(op: .bool, index: 0, argStart: 0, argCount: 0, int: b ? 1 : 0))
            case .int(let i): nodes.append(FlatNode(op: .int, index: 0, argStart: 0, argCount: 0, int: i))
            case .null: nodes.append(FlatNode(op: .null, index: 0, argStart: 0, argCount: 0, int: 0))
            case .coalesce(let parts), .derive(_, let parts):
                let children = parts.map { flatten($0) }
                let start = Int32(args.count)
                args.append(contentsOf: children)
                if case .derive(let d, _) = e {
                    derivations.append(d)
                    nodes.append(
                        FlatNode(op: .derive, index: Int32(derivations.count - 1), argStart: start, argCount: Int32(children.count), int: 0)
                    )
                } else {
                    nodes.append(FlatNode(op: .coalesce, index: 0, argStart: start, argCount: Int32(children.count), int: 0))
                }
            }
            return Int32(nodes.count - 1)
        }
        let rootList = expressions.map { flatten($0) }
        self.nodes = .allocate(capacity: max(1, nodes.count))
        self.nodes.initialize(from: nodes, count: nodes.count)
        self.args = .allocate(capacity: max(1, args.count))
        self.args.initialize(from: args, count: args.count)
        self.roots = .allocate(capacity: max(1, rootList.count))
        self.roots.initialize(from: rootList, count: rootList.count)
        self.derivations = derivations
        nodeCount = nodes.count
        argCount = args.count
        rootCount = rootList.count
    }

    deinit {
        nodes.deallocate()
        args.deallocate()
        roots.deallocate()
    }

    /// Flattens one extra expression (e.g. the fx_rate arguments) into a separate program.
    @inline(__always) func arguments(of node: Int32) -> FlatArgs {
        let n = nodes[Int(node)]
        return FlatArgs(base: UnsafePointer(args + Int(n.argStart)), count: Int(n.argCount))
    }
}
