"""Hand-labelled page chrome of the five seed captures, read off the raw files.

Each entry is the start of a chrome line. A test checks both sides: none of these
lines reaches a chunk, and every other line (except the headline, which goes into
the chunk header) reaches one, sentence by sentence.
"""

CHROME = {
    "000_c205bd33b4339b3e": [
        "Account Info", "Log Out", "English", "Back", "Log in to access Online Inquiry", "Back to the Top",
        "avatar", "Moomoo News Global wrote a column", "Source: Bloomberg, Investing.com",
        "Disclaimer: Moomoo Technologies Inc.", "10", "1", "+0", "Translate", "Report", "101K Views", "Comment",
        "Sign in to post a comment",
    ],
    "001_cf3d653a0c1a885b": [
        "share_log", "小盘股火力全开", "Golden10 Data", "The translation is provided by third-party software.",
        "The above content is for informational or educational purposes only", "Write a comment",
    ],
    "002_263abbe24ab8791b": [
        "Home| Features| About", "Gallery inside!", "Markets", "December 26, 2023", "minute read", "Tags:",
        "Author", "Valentyna Semerenko", "Contributor", "Eric Ng", "John Liu", "Editorial Board", "Bryan Curtis",
        "Adan Harris", "Managing Editor", "Cathy Hills", "Associate Editor", "Subscribe to our newsletter!",
        "As a leading independent research provider, TradeAlgo", "Thank you! Your submission has been received!",
        "Oops! Something went wrong", "Explore", "Related posts.",
    ],
    "003_d3c5feed74245123": [
        "Read more: What the Fed rate-hike pause means", "Read more: The best money market accounts",
        "Josh Schafer is a reporter for Yahoo Finance.", "Click here for the latest stock market news",
        "Read the latest financial and business news from Yahoo Finance",
    ],
    "004_08cc9ec9aa65f3ce": [
        "🐂 Not all bull runs are created equal.", "Published 07/18/2024, 08:16 PM", "© Reuters.", "NDX", "-",
        "US500", "US2000", "Latest comments", "Risk Disclosure: Trading in financial instruments",
        "Before deciding to trade in financial instrument", "Fusion Media would like to remind you",
        "It is prohibited to use, store, reproduce", "Fusion Media may be compensated by the advertisers",
        "© 2007-2024 - Fusion Media Limited.",
    ],
}  # fmt: skip
