"""ISO 3166-1 alpha-2 codes and English country names, for reading portal exports."""

from __future__ import annotations

from functools import lru_cache

from desk.core.text import fold_key

_ISO = """
AD Andorra|AE United Arab Emirates|AF Afghanistan|AG Antigua and Barbuda|AI Anguilla|AL Albania
AM Armenia|AO Angola|AQ Antarctica|AR Argentina|AS American Samoa|AT Austria|AU Australia
AW Aruba|AX Åland Islands|AZ Azerbaijan|BA Bosnia and Herzegovina|BB Barbados|BD Bangladesh
BE Belgium|BF Burkina Faso|BG Bulgaria|BH Bahrain|BI Burundi|BJ Benin|BL Saint Barthélemy
BM Bermuda|BN Brunei Darussalam|BO Bolivia|BQ Bonaire, Sint Eustatius and Saba|BR Brazil
BS Bahamas|BT Bhutan|BV Bouvet Island|BW Botswana|BY Belarus|BZ Belize|CA Canada
CC Cocos (Keeling) Islands|CD Congo, Democratic Republic of the|CF Central African Republic
CG Congo|CH Switzerland|CI Côte d'Ivoire|CK Cook Islands|CL Chile|CM Cameroon|CN China
CO Colombia|CR Costa Rica|CU Cuba|CV Cabo Verde|CW Curaçao|CX Christmas Island|CY Cyprus
CZ Czechia|DE Germany|DJ Djibouti|DK Denmark|DM Dominica|DO Dominican Republic|DZ Algeria
EC Ecuador|EE Estonia|EG Egypt|EH Western Sahara|ER Eritrea|ES Spain|ET Ethiopia|FI Finland
FJ Fiji|FK Falkland Islands|FM Micronesia|FO Faroe Islands|FR France|GA Gabon
GB United Kingdom|GD Grenada|GE Georgia|GF French Guiana|GG Guernsey|GH Ghana|GI Gibraltar
GL Greenland|GM Gambia|GN Guinea|GP Guadeloupe|GQ Equatorial Guinea|GR Greece
GS South Georgia and the South Sandwich Islands|GT Guatemala|GU Guam|GW Guinea-Bissau
GY Guyana|HK Hong Kong|HM Heard Island and McDonald Islands|HN Honduras|HR Croatia|HT Haiti
HU Hungary|ID Indonesia|IE Ireland|IL Israel|IM Isle of Man|IN India
IO British Indian Ocean Territory|IQ Iraq|IR Iran|IS Iceland|IT Italy|JE Jersey|JM Jamaica
JO Jordan|JP Japan|KE Kenya|KG Kyrgyzstan|KH Cambodia|KI Kiribati|KM Comoros
KN Saint Kitts and Nevis|KP North Korea|KR South Korea|KW Kuwait|KY Cayman Islands
KZ Kazakhstan|LA Laos|LB Lebanon|LC Saint Lucia|LI Liechtenstein|LK Sri Lanka|LR Liberia
LS Lesotho|LT Lithuania|LU Luxembourg|LV Latvia|LY Libya|MA Morocco|MC Monaco|MD Moldova
ME Montenegro|MF Saint Martin|MG Madagascar|MH Marshall Islands|MK North Macedonia|ML Mali
MM Myanmar|MN Mongolia|MO Macao|MP Northern Mariana Islands|MQ Martinique|MR Mauritania
MS Montserrat|MT Malta|MU Mauritius|MV Maldives|MW Malawi|MX Mexico|MY Malaysia
MZ Mozambique|NA Namibia|NC New Caledonia|NE Niger|NF Norfolk Island|NG Nigeria|NI Nicaragua
NL Netherlands|NO Norway|NP Nepal|NR Nauru|NU Niue|NZ New Zealand|OM Oman|PA Panama|PE Peru
PF French Polynesia|PG Papua New Guinea|PH Philippines|PK Pakistan|PL Poland
PM Saint Pierre and Miquelon|PN Pitcairn|PR Puerto Rico|PS Palestine|PT Portugal|PW Palau
PY Paraguay|QA Qatar|RE Réunion|RO Romania|RS Serbia|RU Russia|RW Rwanda|SA Saudi Arabia
SB Solomon Islands|SC Seychelles|SD Sudan|SE Sweden|SG Singapore|SH Saint Helena|SI Slovenia
SJ Svalbard and Jan Mayen|SK Slovakia|SL Sierra Leone|SM San Marino|SN Senegal|SO Somalia
SR Suriname|SS South Sudan|ST Sao Tome and Principe|SV El Salvador|SX Sint Maarten|SY Syria
SZ Eswatini|TC Turks and Caicos Islands|TD Chad|TF French Southern Territories|TG Togo
TH Thailand|TJ Tajikistan|TK Tokelau|TL Timor-Leste|TM Turkmenistan|TN Tunisia|TO Tonga
TR Türkiye|TT Trinidad and Tobago|TV Tuvalu|TW Taiwan|TZ Tanzania|UA Ukraine|UG Uganda
UM United States Minor Outlying Islands|US United States|UY Uruguay|UZ Uzbekistan
VA Holy See|VC Saint Vincent and the Grenadines|VE Venezuela|VG British Virgin Islands
VI U.S. Virgin Islands|VN Viet Nam|VU Vanuatu|WF Wallis and Futuna|WS Samoa|YE Yemen
YT Mayotte|ZA South Africa|ZM Zambia|ZW Zimbabwe|XK Kosovo
"""

NAMES: dict[str, str] = {}
for _chunk in _ISO.replace("\n", "|").split("|"):
    if _chunk.strip():
        _code, _name = _chunk.strip().split(" ", 1)
        NAMES[_code] = _name

# Other English names portals and people write for the same country.
_ALIASES = {
    "UK": "GB", "Great Britain": "GB", "Britain": "GB", "England": "GB", "Scotland": "GB",
    "Wales": "GB", "Northern Ireland": "GB", "United Kingdom of Great Britain and Northern Ireland": "GB",
    "Czech Republic": "CZ", "The Netherlands": "NL", "Holland": "NL", "Netherlands (the)": "NL",
    "Macedonia": "MK", "FYROM": "MK", "Former Yugoslav Republic of Macedonia": "MK",
    "Republic of Macedonia": "MK", "Republic of Moldova": "MD", "Moldova, Republic of": "MD",
    "Russian Federation": "RU", "Turkey": "TR", "Turkiye": "TR", "USA": "US", "U.S.A.": "US",
    "United States of America": "US", "EL": "GR", "Slovak Republic": "SK", "Vatican": "VA",
    "Vatican City": "VA", "Korea, Republic of": "KR", "Republic of Korea": "KR", "Ivory Coast": "CI",
    "Cape Verde": "CV", "Swaziland": "SZ", "Burma": "MM", "Vietnam": "VN", "East Timor": "TL",
    "Bosnia-Herzegovina": "BA", "Bosnia": "BA", "Ireland, Republic of": "IE", "Eire": "IE",
    "Republic of Ireland": "IE", "Iran, Islamic Republic of": "IR", "Syrian Arab Republic": "SY",
    "Lao People's Democratic Republic": "LA", "Tanzania, United Republic of": "TZ",
    "Democratic Republic of the Congo": "CD", "DR Congo": "CD", "Republic of the Congo": "CG",
    "Brunei": "BN", "Macau": "MO", "Palestinian Territories": "PS", "Kosova": "XK",
    "Belgique": "BE", "Belgie": "BE", "Deutschland": "DE", "España": "ES", "Italia": "IT",
    "Österreich": "AT", "Polska": "PL", "Sverige": "SE", "Suomi": "FI", "Danmark": "DK",
    "Norge": "NO", "Hellas": "GR", "Ελλάδα": "GR", "Schweiz": "CH", "Suisse": "CH",
    "Nederland": "NL", "Magyarország": "HU", "Česko": "CZ", "Slovensko": "SK", "Slovenija": "SI",
    "Hrvatska": "HR", "România": "RO", "България": "BG", "Lietuva": "LT", "Latvija": "LV",
    "Eesti": "EE", "Éire": "IE", "Κύπρος": "CY", "Србија": "RS", "Україна": "UA",
}

_BY_KEY: dict[str, str] = {fold_key(name): code for code, name in NAMES.items()}
_BY_KEY.update({fold_key(alias): code for alias, code in _ALIASES.items()})


@lru_cache(maxsize=4096)
def country_code(value: str | None) -> str | None:
    """Return the ISO alpha-2 code for a code or an English (or native) country name.

    Returns None when the value is not recognised. "be", "Belgium", "BELGIQUE" → "BE".
    """
    if not value:
        return None
    raw = value.strip()
    upper = raw.upper()
    if len(upper) == 2 and upper.isascii() and upper.isalpha():
        if upper in NAMES:
            return upper
        # the EU writes Greece "EL"; people write "UK"
        return _BY_KEY.get(fold_key(raw))
    return _BY_KEY.get(fold_key(raw))


def country_name(code: str | None) -> str:
    """Return the English name of an alpha-2 code, or the code itself when unknown."""
    if not code:
        return ""
    return NAMES.get(code.upper(), code)
