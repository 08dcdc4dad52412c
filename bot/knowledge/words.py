"""Words of a question: tokens, the words that carry no subject, and how specific an English word is."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from wordfreq import zipf_frequency

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all also am an and any anybody anyone are as at be because been being below
    between both but by can could did do does doing done down during each either else even ever every few for from
    further get gets got had has have having he her here hers him his how i if in into is it its itself just let lets
    me more most much my myself neither no nor not now of off on once one ones only or other our ours out over own
    quite rather really same she should so some somebody someone something such than that the their theirs them then
    there these they this those though through to too under until up upon very was we were what whats when where
    whether which while who whom whos whose why will with within without would yet you your yours
    s t d ll re ve m don doesn didn isn aren wasn weren won't cant can't wont
    think thinks thinking thought say says said saying believe believes believed reckon reckons reckoned feel feels
    argue argues argued claim claims claimed view views opinion opinions position positions stance stances take takes
    talk talks talked talking mention mentions mentioned discuss discusses discussed comment comments commented
    suggest suggests suggested point points pointed make makes made raise raises raised bring brings brought
    side sides stand stands standing agree agrees agreed disagree disagrees disagreed idea ideas
    tell told know knows knew explain explains want wants wanted see sees seen
    anything everything nothing stuff thing things kind sort lot lots bit
    people person persons guy guys dude folks folk someone commentator commentators expert experts anyone everyone
    pundit pundits figure figures voice voices panel panelist panelists bot article piece text knowledge base kb
    hey hi hello yo pls plz please thanks thx lol lmao ok okay um uh hmm btw tbh imo imho ngl fr like just
    quote quotes best main key summary summarize summarise tldr tl gist overall general generally basic basics
    sum recap rundown breakdown nutshell brief short line lines bottom thesis argument arguments message messages
    complain complains complaining praise praises praising warn warns warning insist insists emphasize
    emphasizes emphasise emphasises stress stresses highlight highlights note notes predict predicts
    hot version spiel pitch verdict quick
    takeaway takeaways point thoughts thought summed
    wat wut bout sayz sez sayin say's saying whatcha gimme dunno idk
    tons ton loads heaps bunch plenty super totally way ways
    many abt rn bc cuz coz tho u ur ya yeah gonna wanna gotta smth sth pov vibe vibes
    hate hates hated love loves loved like likes liked dislike dislikes worry worries worried care cares cared concerned
    fan fans keen bullish bearish dovish optimistic pessimistic skeptical sceptical angle angles side sides
    connect connects connected connecting link links linked tie ties tied relate relates cover covers covered
    address addresses addressed touch touches touched bring brings mentioning both
    deal deals matter matters issue issues question questions topic topics subject area areas part parts
    according basically actually literally honestly exactly seriously""".split()
)
"""Words that say nothing about what a question is about (question words, "who thinks", filler, chat slang)."""

MAX_SPECIFIC = 3.0
"""The weight of a word no English list knows (a name, a typo, jargon)."""


def fold(word: str) -> str:
    """Lower-case, strip accents and drop everything but letters and digits: ``Kai-Fu`` → ``kaifu``."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def words_of(text: str) -> list[str]:
    """The folded words of ``text``; apostrophes and hyphens split words ("who's" → who, s; "kai-fu" → kai, fu)."""
    return [folded for word in _WORD.findall(text.replace("’", "'")) if (folded := fold(word))]


@lru_cache(maxsize=4096)
def zipf(word: str) -> float:
    """How common ``word`` is in English, on the Zipf scale (about 7 for "the", 0 for unknown words)."""
    return float(zipf_frequency(word, "en"))


def specificity(word: str) -> float:
    """How much a word says about a question's subject: 1 for everyday words, up to 3 for rare ones."""
    return min(MAX_SPECIFIC, max(1.0, 6.5 - zipf(word)))


def is_english(word: str) -> bool:
    """Whether ``word`` is an ordinary English word (so it is not taken for a typo of something else)."""
    return zipf(word) >= 2.5
