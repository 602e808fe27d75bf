"""The simulated market place's listings: plain data, no logic.

Questions are invented but shaped like real Polymarket listings. ``anchor`` is
the YES price the simulator's fair value reverts to; ``vol`` its daily noise.
"""

from __future__ import annotations

from dataclasses import dataclass

from polybot.sandbox.models import Tag

TAG_ALL = Tag("100215", "All", "all")
TAGS = {
    "Politics": Tag("2", "Politics", "politics"),
    "Crypto": Tag("21", "Crypto", "crypto"),
    "Sports": Tag("1", "Sports", "sports"),
    "Economy": Tag("100328", "Economy", "economy"),
    "Tech": Tag("1401", "Tech", "tech"),
    "Culture": Tag("596", "Culture", "pop-culture"),
    "Science": Tag("74", "Science", "science"),
    "Geopolitics": Tag("100265", "Geopolitics", "geopolitics"),
    "Elections": Tag("144", "Elections", "elections"),
}


@dataclass(frozen=True)
class Listing:
    slug: str
    question: str
    category: str
    days: float  # until the end date
    anchor: float
    vol: float
    volume: int  # lifetime volume in pUSD before the sandbox started
    rule: str  # what makes it resolve YES
    resolves_soon: bool = False  # the market resolved minutes after start


BINARY_LISTINGS: tuple[Listing, ...] = (
    Listing("btc-above-120k-today", "Will Bitcoin close above $120,000 today?", "Crypto",
            0, 0.55, 0.9, 1_840_000, "the BTC/USDT 1-minute candle on Binance closes above "
            "$120,000 at 23:59 UTC today", resolves_soon=True),
    Listing("eth-above-5k-end-of-month", "Will Ethereum be above $5,000 at the end of the month?",
            "Crypto", 24, 0.31, 0.6, 2_310_000, "ETH trades above $5,000 on Coinbase at month end"),
    Listing("sol-etf-approved-this-year", "Will a spot Solana ETF be approved this year?", "Crypto",
            45, 0.68, 0.4, 960_000, "the SEC approves a spot Solana ETF before December 31"),
    Listing("btc-new-ath-this-quarter", "Will Bitcoin reach a new all-time high this quarter?",
            "Crypto", 60, 0.42, 0.5, 3_120_000, "BTC sets a new all-time high before the quarter ends"),
    Listing("fed-cut-next-meeting", "Will the Fed cut interest rates at the next FOMC meeting?",
            "Economy", 19, 0.64, 0.5, 8_450_000, "the FOMC lowers the federal funds target range"),
    Listing("us-recession-this-year", "Will the US enter a recession this year?", "Economy", 75,
            0.18, 0.3, 4_020_000, "NBER declares a recession starting this year"),
    Listing("cpi-above-3-next-print", "Will US CPI inflation be above 3.0% in the next print?",
            "Economy", 12, 0.37, 0.6, 710_000, "the BLS reports year-over-year CPI above 3.0%"),
    Listing("sp500-above-4000-year-end", "Will the S&P 500 close the year above 4,000?", "Economy",
            80, 0.958, 1.0, 1_150_000, "the S&P 500 closes above 4,000 on the last trading day"),
    Listing("senate-passes-budget-bill", "Will the Senate pass the budget reconciliation bill "
            "this month?", "Politics", 27, 0.52, 0.7, 2_640_000, "the Senate passes the bill"),
    Listing("government-shutdown-october", "Will there be a US government shutdown in October?",
            "Politics", 33, 0.23, 0.5, 3_380_000, "federal appropriations lapse in October"),
    Listing("governor-recall-qualifies", "Will the governor recall petition qualify for the "
            "ballot?", "Elections", 40, 0.12, 0.5, 390_000, "the recall qualifies for the ballot"),
    Listing("uk-snap-election-this-year", "Will the UK call a snap general election this year?",
            "Politics", 90, 0.045, 0.5, 520_000, "a UK general election is called this year"),
    Listing("lakers-win-tonight", "Will the Lakers beat the Celtics tonight?", "Sports", 1, 0.47,
            1.2, 880_000, "the Los Angeles Lakers win the game"),
    Listing("real-madrid-win-cl", "Will Real Madrid win the Champions League?", "Sports", 200,
            0.21, 0.4, 5_900_000, "Real Madrid wins the final"),
    Listing("chiefs-make-playoffs", "Will the Chiefs make the playoffs?", "Sports", 110, 0.74, 0.4,
            1_420_000, "the Kansas City Chiefs qualify for the playoffs"),
    Listing("djokovic-wins-next-slam", "Will Novak Djokovic win the next Grand Slam?", "Sports",
            70, 0.16, 0.5, 670_000, "Novak Djokovic wins the next Grand Slam singles title"),
    Listing("openai-releases-new-model", "Will OpenAI release a new frontier model this month?",
            "Tech", 26, 0.58, 0.6, 1_760_000, "OpenAI publicly releases a new flagship model"),
    Listing("apple-foldable-announced", "Will Apple announce a foldable iPhone this year?", "Tech",
            95, 0.27, 0.4, 640_000, "Apple announces a foldable iPhone at an official event"),
    Listing("tiktok-deadline-extended", "Will the TikTok divestiture deadline be extended again?", "Tech",
            50, 0.61, 0.5, 2_050_000, "the deadline is extended by executive or legislative action"),
    Listing("starship-orbit-this-month", "Will Starship reach orbit this month?", "Science", 29,
            0.39, 0.7, 930_000, "a Starship vehicle completes an orbital flight"),
    Listing("hottest-year-on-record", "Will this year be the hottest year on record?", "Science",
            100, 0.81, 0.3, 450_000, "NASA GISTEMP ranks this year the warmest on record"),
    Listing("taylor-swift-album-announce", "Will Taylor Swift announce a new album this month?",
            "Culture", 22, 0.33, 0.6, 1_230_000, "Taylor Swift officially announces a new album"),
    Listing("box-office-opening-200m", "Will the summer blockbuster open above $200M "
            "domestically?", "Culture", 16, 0.44, 0.8, 560_000, "the domestic opening weekend "
            "gross exceeds $200M per Box Office Mojo"),
    Listing("ceasefire-by-month-end", "Will a ceasefire be announced by the end of the month?",
            "Geopolitics", 25, 0.29, 0.6, 6_700_000, "both parties publicly announce a ceasefire"),
)  # fmt: skip


@dataclass(frozen=True)
class NegRiskGroup:
    slug: str
    title: str
    category: str
    days: float
    volume: int
    candidates: tuple[tuple[str, float], ...]  # name, anchor (anchors sum to about 1)


NEG_RISK_GROUP = NegRiskGroup(
    slug="next-fed-chair",
    title="Who will be the next Fed Chair?",
    category="Economy",
    days=120,
    volume=12_400_000,
    candidates=(
        ("Kevin Hassett", 0.38),
        ("Kevin Warsh", 0.27),
        ("Christopher Waller", 0.17),
        ("Judy Shelton", 0.08),
        ("Rick Rieder", 0.06),
    ),
)
