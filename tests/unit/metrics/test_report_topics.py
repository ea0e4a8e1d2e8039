"""What citizens are talking about: top and rising terms per week."""

from __future__ import annotations

from streams.metrics.report.topics import Doc, clean, trends

LAST_WEEK = [
    Doc("The library opening hours are confusing", "a1"),
    Doc("Great work on the new cycle lane", "a2"),
    Doc("Parking on Mill Lane is impossible", "a3"),
    Doc("When does the library open on Sunday?", "a4"),
    Doc("One pothole on Station Road needs fixing", "a5"),
    Doc("Parking permits cost too much", "a6"),
    Doc("The library cafe is lovely", "a7"),
]
THIS_WEEK = [
    Doc("Potholes on the A41 after the frost are huge", "b1"),
    Doc("So many potholes on Mill Lane, nearly lost a tyre", "b2"),
    Doc("When will the potholes on Station Road be fixed?", "b3"),
    Doc("Potholes near the school are dangerous for children", "b4"),
    Doc("Reported potholes twice and nothing happened", "b5"),
    Doc("Parking on Mill Lane is still impossible", "b6"),
    Doc("The library is lovely after the refurbishment", "b7"),
]


def test_potholes_rise_to_the_top():
    t = trends("page:council", THIS_WEEK, LAST_WEEK)
    assert t.comments_this_week == 7 and t.comments_last_week == 7
    assert t.top[0].term == "potholes"
    pot = t.top[0]
    assert (pot.this_week, pot.last_week, pot.authors) == (5, 0, 5)
    assert pot.rising and pot.is_new
    assert t.rising[0].term == "potholes"
    # the library was talked about more last week: listed maybe, but not rising
    assert all(r.term != "library" for r in t.rising)


def test_a_term_needs_several_authors():
    # one person repeating a word five times is not a topic
    this = [Doc("Refund my parking fine now", "same") for _ in range(5)] + THIS_WEEK[:3]
    t = trends("acc", this, LAST_WEEK, min_authors=3)
    assert "refund" not in {x.term for x in t.top}
    assert "potholes" in {x.term for x in t.top}


def test_no_personal_data_in_terms():
    this = [
        Doc("Email me at jane.doe@example.org about potholes", "c1"),
        Doc("Call 07700 900123 about potholes, ask for Jane Doe", "c2"),
        Doc("@janedoe potholes again on Mill Lane https://example.org/x", "c3"),
        Doc("Jane Doe says potholes are everywhere", "c4"),
    ]
    t = trends("acc", this, [], min_authors=2, names=["Jane Doe", "janedoe"])
    terms = {x.term for x in t.top}
    assert "potholes" in terms
    flat = " ".join(terms)
    for bad in ("jane", "doe", "janedoe", "example", "org", "07700", "900123", "https", "email"):
        assert bad not in flat.split(), (bad, terms)


def test_clean_removes_contact_data():
    out = clean("write to a.b@council.gov.uk or see https://x.example/y or @someone", ["Ann Lee"])
    assert "@" not in out and "https" not in out and "council.gov.uk" not in out


def test_phrases_are_written_words_not_leftovers():
    # "bins" and "collection" never stand side by side here once stop words go: no phrase
    docs = [Doc("Bins are not the collection I meant", f"d{i}") for i in range(4)]
    t = trends("acc", docs, [], min_authors=3)
    assert "bins collection" not in {x.term for x in t.top}
    docs = [Doc(f"The bin collection was missed on street {i}", f"e{i}") for i in range(4)]
    t = trends("acc", docs, [], min_authors=3)
    assert t.top[0].term == "bin collection"


def test_too_few_or_only_stop_words():
    assert trends("acc", THIS_WEEK[:2], LAST_WEEK).top == []
    t = trends("acc", [Doc("the and of it", f"x{i}") for i in range(5)], [])
    assert t.top == [] and t.rising == []


def test_council_words_are_not_stop_words():
    docs = [Doc("The fire station is closing", "f1"), Doc("Save our fire station", "f2"),
            Doc("Fire station cuts are a mistake", "f3"), Doc("Mill Lane is flooded", "f4"),
            Doc("Parking on Mill Lane again", "f5"), Doc("Mill Lane potholes", "f6")]
    terms = {x.term for x in trends("acc", docs, [], min_authors=3).top}
    assert "fire station" in terms and "mill lane" in terms
