using System.Text.Json;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Journal;
using Dispatch.Abstractions.Units;
using Dispatch.Simulator.Scenario;

namespace Dispatch.Simulator.Tests;

public sealed class AssignmentAuditTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Histories_whose_intervals_follow_each_other_show_no_double_assignment()
    {
        var histories = Histories(("U-1", [Record(1, "A", start: 1, end: 2), Record(2, "B", start: 3, end: 4), Record(3, "C", start: 5, end: null)]));

        Assert.Empty(AssignmentAudit.FromHistories(histories));
    }

    [Fact]
    public void A_history_entry_starting_before_the_previous_one_ended_is_a_double_assignment()
    {
        var histories = Histories(
            ("U-1", [Record(1, "A", start: 1, end: 4), Record(2, "B", start: 3, end: 5)]),
            ("U-2", [Record(1, "C", start: 1, end: 2)]));

        var found = Assert.Single(AssignmentAudit.FromHistories(histories));

        Assert.Equal(("U-1", "A", "B"), (found.UnitId, found.HeldIncidentId, found.NewIncidentId));
    }

    [Fact]
    public void A_history_entry_never_ended_overlaps_every_later_one()
    {
        var histories = Histories(("U-1", [Record(1, "A", start: 1, end: null), Record(2, "B", start: 2, end: 3), Record(3, "C", start: 4, end: null)]));

        var found = AssignmentAudit.FromHistories(histories);

        Assert.Equal(["B", "C"], found.Select(d => d.NewIncidentId).Order());
        Assert.All(found, d => Assert.Equal("A", d.HeldIncidentId));
    }

    [Fact]
    public void A_journal_where_each_assignment_is_cleared_or_released_before_the_next_shows_no_double_assignment()
    {
        var journal = Journal(
            ("A", 1, 0, TimelineKinds.Created, null),
            ("A", 2, 1, TimelineKinds.UnitAssigned, "U-1"),
            ("A", 3, 5, TimelineKinds.Cleared, "U-1"),
            ("B", 1, 6, TimelineKinds.Created, null),
            ("B", 2, 7, TimelineKinds.UnitAssigned, "U-1"),
            ("B", 3, 8, TimelineKinds.AckTimeout, "U-1"),
            ("C", 1, 9, TimelineKinds.UnitAssigned, "U-1"),
            ("C", 2, 10, TimelineKinds.UnitReleased, "U-1"),
            ("D", 1, 11, TimelineKinds.UnitAssigned, "U-1"));

        Assert.Empty(AssignmentAudit.FromJournal(journal));
    }

    [Fact]
    public void A_journal_assignment_to_B_while_the_assignment_to_A_was_never_ended_is_a_double_assignment()
    {
        var journal = Journal(
            ("A", 1, 1, TimelineKinds.UnitAssigned, "U-1"),
            ("A", 2, 2, TimelineKinds.OnScene, "U-1"),
            ("B", 1, 3, TimelineKinds.UnitAssigned, "U-1"),
            ("B", 2, 4, TimelineKinds.Cleared, "U-1"),
            ("A", 3, 5, TimelineKinds.Cleared, "U-2"));

        var found = Assert.Single(AssignmentAudit.FromJournal(journal));

        Assert.Equal(("U-1", "A", "B"), (found.UnitId, found.HeldIncidentId, found.NewIncidentId));
    }

    [Fact]
    public void An_end_entry_before_the_assignment_does_not_end_it()
    {
        var journal = Journal(
            ("A", 1, 1, TimelineKinds.UnitAssigned, "U-1"),
            ("A", 2, 2, TimelineKinds.UnitReleased, "U-1"),
            ("A", 3, 3, TimelineKinds.UnitAssigned, "U-1"),
            ("B", 1, 4, TimelineKinds.UnitAssigned, "U-1"));

        var found = Assert.Single(AssignmentAudit.FromJournal(journal));

        Assert.Equal("B", found.NewIncidentId);
    }

    [Fact]
    public void The_same_overlap_found_in_history_and_journal_counts_once()
    {
        var histories = Histories(("U-1", [Record(1, "A", start: 1, end: null), Record(2, "B", start: 2, end: null)]));
        var journal = Journal(("A", 1, 1, TimelineKinds.UnitAssigned, "U-1"), ("B", 1, 2, TimelineKinds.UnitAssigned, "U-1"));

        Assert.Single(AssignmentAudit.DoubleAssigned(histories, journal));
    }

    [Fact]
    public void An_incident_missing_from_the_journal_is_lost()
    {
        var journal = Journal(("A", 1, 0, TimelineKinds.Created, null), ("A", 2, 1, TimelineKinds.UnitAssigned, "U-1"));

        Assert.Equal(["B"], AssignmentAudit.Lost(["A", "B"], journal));
    }

    [Fact]
    public void An_incident_without_any_assignment_or_recorded_shortfall_is_lost()
    {
        var journal = Journal(
            ("A", 1, 0, TimelineKinds.Created, null),
            ("A", 2, 0, TimelineKinds.TierPlanned, null),
            ("B", 1, 0, TimelineKinds.Created, null),
            ("B", 2, 1, TimelineKinds.TierAtRisk, null),
            ("C", 1, 0, TimelineKinds.Created, null),
            ("C", 2, 1, TimelineKinds.UnitAssigned, "U-1"));

        Assert.Equal(["A"], AssignmentAudit.Lost(["A", "B", "C"], journal));
    }

    [Fact]
    public void Dispatched_counts_reported_incidents_with_a_unit_assigned()
    {
        var journal = Journal(
            ("A", 1, 1, TimelineKinds.UnitAssigned, "U-1"),
            ("A", 2, 2, TimelineKinds.UnitAssigned, "U-2"),
            ("B", 1, 1, TimelineKinds.TierAtRisk, null),
            ("X", 1, 1, TimelineKinds.UnitAssigned, "U-3"));

        Assert.Equal(1, AssignmentAudit.Dispatched(["A", "B"], journal));
    }

    private static UnitAssignmentRecord Record(long number, string incidentId, long start, long? end) =>
        new(number, incidentId, "patrol", T0.AddSeconds(start), start, end is null ? null : T0.AddSeconds(end.Value), end, end is null ? null : "cleared");

    private static Dictionary<string, IReadOnlyList<UnitAssignmentRecord>> Histories(params (string UnitId, UnitAssignmentRecord[] Records)[] units) =>
        units.ToDictionary(u => u.UnitId, u => (IReadOnlyList<UnitAssignmentRecord>)u.Records);

    private static List<JournalEntry> Journal(params (string IncidentId, long Sequence, int AtSeconds, string Kind, string? UnitId)[] entries) =>
        [.. entries.Select(e => new JournalEntry(
            e.IncidentId, e.Sequence, T0.AddSeconds(e.AtSeconds), e.Kind, "system",
            JsonSerializer.Serialize(new { text = e.Kind, unitId = e.UnitId, tierName = "patrol" })))];
}
