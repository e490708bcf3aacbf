"""Identity rules: which (name, e-mail) pairs are one person, and a person's organisation."""

from __future__ import annotations

import pytest

from tracker.errors import UsageError
from tracker.identity import (
    IdentityRules,
    email_link_key,
    merge_people,
    name_link_key,
    normalised_name,
    organisation,
    own_key,
)
from tracker.scoring import weights as weights_mod


def people(pairs, **rules):
    """The merge as groups: sorted lists of the pairs that are one person."""
    keys = merge_people(pairs, IdentityRules(**rules))
    groups: dict[str, list] = {}
    for pair, key in keys.items():
        groups.setdefault(key, []).append(pair)
    return sorted(sorted(g) for g in groups.values())


def test_names_normalise_case_accents_and_separators():
    assert normalised_name("  Tommy   Engström ") == "tommy engstrom"
    assert normalised_name("Mitch.Garnaat") == normalised_name("mitch garnaat") == "mitch garnaat"
    assert normalised_name("MATTHIAS BUSSONNIER") == normalised_name("Matthias Bussonnier")
    assert normalised_name("jean-luc_picard") == "jean luc picard"
    assert normalised_name("Ǆemal Ćosić") == "dzemal cosic"


@pytest.mark.parametrize("name, words, key", [
    ("Ann Smith", 2, "ann smith"),
    ("Ann", 2, None),                 # one word: many people are 'Ann'
    ("Ann", 1, "ann"),                # the paper's rule (every name) when asked for
    ("root", 1, None),                # shared by many, whatever the setting
    ("Your Name", 2, None),
    ("GitHub Actions", 2, None),
    ("", 1, None),
    ("   ", 1, None),
    ("ann@acme.com", 1, None),        # an address typed as a name
    ("A B", 2, None),                 # too short to tell people apart
    ("Li Na", 2, "li na"),
])
def test_which_names_link_people(name, words, key):
    assert name_link_key(name, words) == key


@pytest.mark.parametrize("email, key", [
    ("Ann@Acme.COM", "ann@acme.com"),
    ("123+jo@users.noreply.github.com", "jo@users.noreply.github.com"),
    ("jo@users.noreply.github.com", "jo@users.noreply.github.com"),
    ("root@localhost", None),
    ("ann@laptop.localdomain", None),
    ("you@example.com", None),        # git's own hint
    ("noreply@acme.com", None),
    ("no-reply.builds@acme.com", None),
    ("info@acme.com", None),          # a role address several people use
    ("ann@example.org", "ann@example.org"),
    ("none", None),
    ("", None),
    ("@acme.com", None),
    ("ann@", None),
    ("ann@(none)", None),
])
def test_which_addresses_link_people(email, key):
    assert email_link_key(email) == key


def test_union_of_same_email_and_same_name_is_transitive():
    pairs = [
        ("Ann Smith", "ann@acme.com"),
        ("ann smith", "ann.smith@gmail.com"),        # same name -> Ann
        ("A. Smith", "ANN.SMITH@gmail.com"),          # same address as the line above -> Ann
        ("Bob Jones", "bob@acme.com"),
        ("Bob", "bob@home.org"),                      # one word: not merged with Bob Jones
    ]
    assert people(pairs) == [
        [("A. Smith", "ANN.SMITH@gmail.com"), ("Ann Smith", "ann@acme.com"), ("ann smith", "ann.smith@gmail.com")],
        [("Bob", "bob@home.org")],
        [("Bob Jones", "bob@acme.com")],
    ]
    # the person's key is the smallest own key of its pairs, whatever the order given
    keys = merge_people(pairs)
    assert keys[("A. Smith", "ANN.SMITH@gmail.com")] == "ann.smith@gmail.com"
    assert merge_people(list(reversed(pairs))) == keys


def test_name_merging_can_be_switched_off():
    pairs = [("Ann Smith", "ann@acme.com"), ("Ann Smith", "ann@gmail.com"), ("Ann S", "ann@acme.com")]
    assert people(pairs, merge_names=False) == [
        [("Ann S", "ann@acme.com"), ("Ann Smith", "ann@acme.com")],
        [("Ann Smith", "ann@gmail.com")],
    ]
    assert len(people(pairs)) == 1


def test_shared_addresses_and_shared_names_do_not_merge_people():
    pairs = [
        ("Ann Smith", "root@localhost"),
        ("Bob Jones", "root@localhost"),             # same placeholder address: still two people
        ("root", "root@build-1"),
        ("root", "root@build-2"),                     # same generic name: not merged
        ("David", "david@a.org"),
        ("David", "dave@b.org"),                      # one-word name: not merged by default
    ]
    assert len(people(pairs)) == 6
    keys = merge_people(pairs)
    assert keys[("Ann Smith", "root@localhost")] == "root@localhost/ann smith"
    assert len(people(pairs, min_name_words=1)) == 5  # the paper's rule merges the two Davids
    assert own_key("Ann", "") == "name:ann"


def test_bots_are_never_merged_with_people():
    pairs = [("Ann Smith", "ann@acme.com"), ("dependabot[bot]", "ann@acme.com"),
             ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")]
    keys = merge_people(pairs + [("Ann Smith", "ann@home.org")])
    assert keys[("dependabot[bot]", "ann@acme.com")] == "ann@acme.com"     # its own e-mail key, as before
    assert keys[("Ann Smith", "ann@home.org")] == keys[("Ann Smith", "ann@acme.com")] == "ann@acme.com"
    assert merge_people([("dependabot[bot]", "x@acme.com"), ("dependabot[bot]", "y@acme.com")]) == {
        ("dependabot[bot]", "x@acme.com"): "x@acme.com", ("dependabot[bot]", "y@acme.com"): "y@acme.com"}
    assert keys[("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")] == \
        "github-actions[bot]@users.noreply.github.com"


def test_the_papers_alias_pairs_that_differ_only_in_case_accents_or_dots_merge():
    """Pairs from Avelino et al.'s alias list (aserg-ufmg/Truck-Factor, alias.txt) that the
    normalisation alone catches; others ('perliedman' / 'Per Liedman') need their manual list."""
    for a, b in [("Tommy Engstrom", "Tommy Engström"), ("Matthias BUSSONNIER", "Matthias Bussonnier"),
                 ("Mitch.Garnaat", "Mitch Garnaat"), ("Adrian Sampson", "adrian.sampson"),
                 ("Walter Doerwald", "walter.doerwald"), ("Ernie French", "ernie french")]:
        assert len(people([(a, "one@x.org"), (b, "two@y.org")])) == 1, (a, b)
    assert len(people([("Per Liedman", "one@x.org"), ("perliedman", "two@y.org")])) == 2


def test_a_persons_organisation_is_the_domain_of_most_of_their_commits():
    assert organisation({"ann@gmail.com": 9, "ann@acme.com": 2, "ann@corp.io": 2}) == "acme.com"  # tie: a-z
    assert organisation({"ann@gmail.com": 9, "12+ann@users.noreply.github.com": 3}) is None
    assert organisation({"ann@acme.com": 1, "ann@corp.io": 5}) == "corp.io"


def test_identity_settings_are_checked_and_not_overridden_when_scoring(tmp_path):
    assert weights_mod.shipped()["identity"] == {"merge_names": True, "min_name_words": 2}
    bad = dict(weights_mod.shipped().data, identity={"merge_names": "yes", "min_name_words": 2})
    with pytest.raises(UsageError, match=r"\[identity\] merge_names must be true or false"):
        weights_mod.validate(bad, "x.toml")
    bad = dict(weights_mod.shipped().data, identity={"merge_names": True, "min_name_words": 0})
    with pytest.raises(UsageError, match=r"\[identity\] min_name_words must be >= 1"):
        weights_mod.validate(bad, "x.toml")
    override = tmp_path / "w.toml"
    override.write_text("[identity]\nmerge_names = false\n")
    with pytest.raises(UsageError, match=r"\[identity\] is applied when git history is collected"):
        weights_mod.load(override)
