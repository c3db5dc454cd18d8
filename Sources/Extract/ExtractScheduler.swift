import Core
import Foundation
import ModuleErrors
import Synchronization

/// Hands the run's units to the workers, splits a running unit when a worker would otherwise be
/// idle, and records every split and every finished unit in the run state (on disk) before any work
/// depends on it. Output bytes never depend on this scheduling: each stream's file is its units'
/// part files in plan order (pass, then newest range first).
final class ExtractScheduler: Sendable {
    /// One unit handed to a worker.
    struct Work: Sendable {
        let stream: String
        let key: String
        let pass: Int
        let range: CreatedWindow
        var id: String { stream + "/" + key }
    }

    /// What a worker does next: a unit, or a child list some unit is waiting for.
    enum Job: Sendable {
        case unit(Work)
        case child(ChildTask)
    }

    /// Figures for the progress line.
    struct Snapshot: Sendable {
        var objects: Int
        var pages: Int
        var remainingUnits: Int
        var estimatedPagesLeft: Double?
    }

    private struct State {
        var run: ExtractState
        var queue: [Work] = []
        /// Child lists waiting for a worker (their units wait for them).
        var children: [ChildTask] = []
        var busy = 0
        /// Current range of each running unit (narrowed by its splits).
        var running: [String: CreatedWindow] = [:]
        var failure: ExtractError?
        var remaining = 0
        var objects: [String: Int] = [:]
        var pages: [String: Int] = [:]
        /// Pages still expected of each unfinished unit, once a page of it (or its parent) was read.
        var estimates: [String: Double] = [:]
    }

    let workers: Int
    let statePath: String
    /// Lower bound used to estimate a range without `created[gte]` (the pipeline's start).
    let startUnix: Int64
    let pageLimit: Int
    /// False when the server takes no `created` filter: units are never split.
    let splittable: Bool
    /// A unit is split only when each piece would get at least this many pages...
    static let minPiecePages = 4.0
    /// ...and pieces cut next to the data read so far hold at most this many (the last piece takes
    /// whatever is left, known or not, and is split again when it runs).
    static let maxPiecePages = 50.0
    private let state: Mutex<State>
    private let wake = DispatchSemaphore(value: 0)

    init(run: ExtractState, streams: [String], workers: Int, statePath: String, startUnix: Int64, pageLimit: Int, splittable: Bool) {
        self.workers = workers
        self.statePath = statePath
        self.startUnix = startUnix
        self.pageLimit = pageLimit
        self.splittable = splittable
        var initial = State(run: run)
        for stream in streams {
            for unit in run.plan[stream] ?? [] {
                if let done = unit.done {
                    initial.objects[stream, default: 0] += done.objects
                    initial.pages[stream, default: 0] += done.pages
                } else {
                    initial.queue.append(Work(stream: stream, key: unit.key, pass: unit.pass, range: unit.range))
                }
            }
        }
        initial.remaining = initial.queue.count
        state = Mutex(initial)
    }

    /// The next job: a waiting child list first (a unit is blocked on it), else a unit, longest
    /// first. Blocks while others may still split; nil when the run is complete or has failed.
    func next() -> Job? {
        while true {
            let taken: Job?? = state.withLock { s in
                if s.failure != nil || s.remaining == 0 { return .some(nil) }
                if !s.children.isEmpty {
                    s.busy += 1
                    return .some(.child(s.children.removeFirst()))
                }
                guard !s.queue.isEmpty else { return nil }
                // Units not yet estimated are whole listings: they go first, then the biggest, so
                // the run does not end waiting on one big unit.
                var pick = 0
                for (i, candidate) in s.queue.enumerated()
                where (s.estimates[candidate.id] ?? .infinity) > (s.estimates[s.queue[pick].id] ?? .infinity) {
                    pick = i
                }
                let work = s.queue.remove(at: pick)
                s.busy += 1
                s.running[work.id] = work.range
                return .some(.unit(work))
            }
            if let taken { return taken }
            _ = wake.wait(timeout: .now() + .milliseconds(50))
        }
    }

    /// Offers a page's child lists to idle workers.
    func submit(_ tasks: [ChildTask]) {
        state.withLock { $0.children.append(contentsOf: tasks) }
        for _ in tasks { wake.signal() }
    }

    /// Takes back a task nobody has started (the unit runs it itself); false when a worker has it.
    func claim(_ task: ChildTask) -> Bool {
        state.withLock { s in
            guard let index = s.children.firstIndex(where: { $0 === task }) else { return false }
            s.children.remove(at: index)
            return true
        }
    }

    /// A child job taken by `next` has run.
    func childDone() { state.withLock { $0.busy -= 1 } }

    /// True once another unit failed: a worker stops between pages.
    var stopping: Bool { state.withLock { $0.failure != nil } }

    var failure: ExtractError? { state.withLock { $0.failure } }

    var run: ExtractState { state.withLock { $0.run } }

    var snapshot: Snapshot {
        state.withLock { s in
            let unknown = s.queue.contains { s.estimates[$0.id] == nil } || s.running.keys.contains { s.estimates[$0] == nil }
            return Snapshot(
                objects: s.objects.values.reduce(0, +), pages: s.pages.values.reduce(0, +), remainingUnits: s.remaining,
                estimatedPagesLeft: unknown ? nil : s.estimates.values.reduce(0, +))
        }
    }

    func objects(_ stream: String) -> (objects: Int, pages: Int) {
        state.withLock { ($0.objects[stream] ?? 0, $0.pages[stream] ?? 0) }
    }

    /// Counts a page of `work` and, when a worker is idle and the rest of the unit is big enough,
    /// splits it: returns the narrowed range the unit continues with (recorded on disk first).
    func pageRead(_ work: Work, objects: Int, info: ListPager.PageInfo) throws -> CreatedWindow? {
        try state.withLock { s -> CreatedWindow? in
            s.objects[work.stream, default: 0] += objects
            s.pages[work.stream, default: 0] += 1
            guard let current = s.running[work.id] else { return nil }
            guard info.hasMore, let last = info.lastCreated, let newest = info.newestCreated else {
                s.estimates[work.id] = 0
                return nil
            }
            let low = current.gte ?? min(startUnix, last)
            let span = Double(max(1, newest - last + 1))
            let density = Double(max(1, info.objects)) / span
            let remainingPages = density * Double(max(0, last - low)) / Double(pageLimit)
            s.estimates[work.id] = max(1, remainingPages)
            let idle = workers - s.busy - s.queue.count - s.children.count
            guard splittable, idle > 0, remainingPages >= 2 * Self.minPiecePages else { return nil }
            let pieces = min(idle + 1, Int(remainingPages / Self.minPiecePages))
            guard pieces >= 2 else { return nil }
            let piecePages = min(Self.maxPiecePages, remainingPages / Double(pieces))
            let width = max(1, Int64((piecePages * Double(pageLimit) / density).rounded(.up)))
            // Cut points below the cursor's `created` (the unit keeps every object at `last`).
            var cuts: [Int64] = []
            var edge = last + 1 - width
            while cuts.count < pieces - 1 && edge > low {
                cuts.append(edge)
                edge -= width
            }
            guard let firstCut = cuts.first else { return nil }
            var units = s.run.plan[work.stream] ?? []
            guard let index = units.firstIndex(where: { $0.key == work.key }) else { return nil }
            let narrowed = CreatedWindow(gte: firstCut, lt: current.lt)
            units[index].range = narrowed
            var created: [Work] = []
            var next = s.run.nextUnit[work.stream] ?? units.count
            for (i, upper) in cuts.enumerated() {
                let lower = i + 1 < cuts.count ? cuts[i + 1] : current.gte
                let key = "\(work.pass)-\(next)"
                next += 1
                let range = CreatedWindow(gte: lower, lt: upper)
                units.append(ExtractState.PlannedUnit(key: key, pass: work.pass, range: range, done: nil))
                created.append(Work(stream: work.stream, key: key, pass: work.pass, range: range))
            }
            units.sort(by: ExtractState.precedes)
            var run = s.run
            run.plan[work.stream] = units
            run.nextUnit[work.stream] = next
            // On disk before anyone pages the new units or this unit pages on.
            try run.save(path: statePath)
            s.run = run
            s.running[work.id] = narrowed
            s.estimates[work.id] = piecePages
            for (i, unit) in created.enumerated() {
                // Pieces cut from the data read; the last one's extent is a guess until it runs.
                s.estimates[unit.id] =
                    i + 1 < created.count ? piecePages : max(piecePages, remainingPages - piecePages * Double(created.count))
            }
            s.queue.append(contentsOf: created)
            s.remaining += created.count
            for _ in created { wake.signal() }
            return narrowed
        }
    }

    /// Records a unit whose part file is durable.
    func finish(_ work: Work, _ unit: ExtractState.Unit) throws {
        let complete: Bool = try state.withLock { s in
            var run = s.run
            if let index = run.plan[work.stream]?.firstIndex(where: { $0.key == work.key }) {
                run.plan[work.stream]?[index].done = unit
            }
            try run.save(path: statePath)
            s.run = run
            s.busy -= 1
            s.running[work.id] = nil
            s.estimates[work.id] = nil
            s.remaining -= 1
            return s.remaining == 0
        }
        if complete { for _ in 0..<workers { wake.signal() } }
    }

    /// Stops the run: the first failure is the one reported.
    func fail(_ error: any Error, _ work: Work?) {
        let failure = (error as? ExtractError) ?? ExtractError(.io, "\(error)")
        state.withLock { s in
            if s.failure == nil { s.failure = failure }
            if let work {
                s.busy -= 1
                s.running[work.id] = nil
            }
        }
        for _ in 0..<workers { wake.signal() }
    }
}
