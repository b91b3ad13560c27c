"""Static reference data the generator draws from: authorities, organisation, code lists, names.

Code lists and their labels follow the DfE Children's Social Work Workforce (CSWW) census as
written in docs/extracts.md. Shares are plausible national patterns, not published figures.
"""

from __future__ import annotations

# Real DfE 3-digit local authority codes (statistical neighbour groupings, April 2021, plus
# the 2023 Cumbria successors and four pre-reorganisation codes at the end). Authorities with
# published council workforce reports come first, so a small demo generates recognisable names.
AUTHORITIES: dict[str, str] = {
    "383": "Leeds",
    "202": "Camden",
    "855": "Leicestershire",
    "208": "Lambeth",
    "884": "Herefordshire",
    "201": "City of London",
    "203": "Greenwich",
    "204": "Hackney",
    "205": "Hammersmith and Fulham",
    "206": "Islington",
    "207": "Kensington and Chelsea",
    "209": "Lewisham",
    "210": "Southwark",
    "211": "Tower Hamlets",
    "212": "Wandsworth",
    "213": "Westminster",
    "301": "Barking and Dagenham",
    "302": "Barnet",
    "303": "Bexley",
    "304": "Brent",
    "305": "Bromley",
    "306": "Croydon",
    "307": "Ealing",
    "308": "Enfield",
    "309": "Haringey",
    "310": "Harrow",
    "311": "Havering",
    "312": "Hillingdon",
    "313": "Hounslow",
    "314": "Kingston upon Thames",
    "315": "Merton",
    "316": "Newham",
    "317": "Redbridge",
    "318": "Richmond upon Thames",
    "319": "Sutton",
    "320": "Waltham Forest",
    "330": "Birmingham",
    "331": "Coventry",
    "332": "Dudley",
    "333": "Sandwell",
    "334": "Solihull",
    "335": "Walsall",
    "336": "Wolverhampton",
    "340": "Knowsley",
    "341": "Liverpool",
    "342": "St. Helens",
    "343": "Sefton",
    "344": "Wirral",
    "350": "Bolton",
    "351": "Bury",
    "352": "Manchester",
    "353": "Oldham",
    "354": "Rochdale",
    "355": "Salford",
    "356": "Stockport",
    "357": "Tameside",
    "358": "Trafford",
    "359": "Wigan",
    "370": "Barnsley",
    "371": "Doncaster",
    "372": "Rotherham",
    "373": "Sheffield",
    "380": "Bradford",
    "381": "Calderdale",
    "382": "Kirklees",
    "384": "Wakefield",
    "390": "Gateshead",
    "391": "Newcastle upon Tyne",
    "392": "North Tyneside",
    "393": "South Tyneside",
    "394": "Sunderland",
    "420": "Isles of Scilly",
    "800": "Bath and North East Somerset",
    "801": "Bristol, City of",
    "802": "North Somerset",
    "803": "South Gloucestershire",
    "805": "Hartlepool",
    "806": "Middlesbrough",
    "807": "Redcar and Cleveland",
    "808": "Stockton-on-Tees",
    "810": "Kingston Upon Hull, City of",
    "811": "East Riding of Yorkshire",
    "812": "North East Lincolnshire",
    "813": "North Lincolnshire",
    "815": "North Yorkshire",
    "816": "York",
    "821": "Luton",
    "822": "Bedford Borough",
    "823": "Central Bedfordshire",
    "825": "Buckinghamshire",
    "826": "Milton Keynes",
    "830": "Derbyshire",
    "831": "Derby",
    "838": "Dorset",
    "839": "Bournemouth, Christchurch & Poole",
    "840": "Durham",
    "841": "Darlington",
    "845": "East Sussex",
    "846": "Brighton and Hove",
    "850": "Hampshire",
    "851": "Portsmouth",
    "852": "Southampton",
    "856": "Leicester",
    "857": "Rutland",
    "860": "Staffordshire",
    "861": "Stoke-on-Trent",
    "865": "Wiltshire",
    "866": "Swindon",
    "867": "Bracknell Forest",
    "868": "Windsor and Maidenhead",
    "869": "West Berkshire",
    "870": "Reading",
    "871": "Slough",
    "872": "Wokingham",
    "873": "Cambridgeshire",
    "874": "Peterborough",
    "876": "Halton",
    "877": "Warrington",
    "878": "Devon",
    "879": "Plymouth",
    "880": "Torbay",
    "881": "Essex",
    "882": "Southend-on-Sea",
    "883": "Thurrock",
    "885": "Worcestershire",
    "886": "Kent",
    "887": "Medway",
    "888": "Lancashire",
    "889": "Blackburn with Darwen",
    "890": "Blackpool",
    "891": "Nottinghamshire",
    "892": "Nottingham",
    "893": "Shropshire",
    "894": "Telford and Wrekin",
    "895": "Cheshire East",
    "896": "Cheshire West and Chester",
    "908": "Cornwall",
    "909": "Cumbria",
    "916": "Gloucestershire",
    "919": "Hertfordshire",
    "921": "Isle of Wight",
    "925": "Lincolnshire",
    "926": "Norfolk",
    "929": "Northumberland",
    "931": "Oxfordshire",
    "933": "Somerset",
    "935": "Suffolk",
    "936": "Surrey",
    "937": "Warwickshire",
    "938": "West Sussex",
    "940": "North Northamptonshire",
    "941": "West Northamptonshire",
    "942": "Cumberland",
    "943": "Westmorland and Furness",
    "835": "Dorset (pre-2019)",
    "836": "Poole (pre-2019)",
    "837": "Bournemouth (pre-2019)",
    "928": "Northamptonshire (pre-2021)",
}

# Service areas with their share of the social work establishment.
SERVICE_AREAS: dict[str, float] = {
    "Front Door": 0.08,
    "Assessment": 0.18,
    "Child Protection": 0.25,
    "Children Looked After": 0.20,
    "Care Leavers": 0.06,
    "Fostering": 0.10,
    "Disabled Children": 0.08,
    "Early Help": 0.05,
}
TEAM_LOCALITIES = ("North", "South", "East", "West", "Central", "City")
EMERGENCY_DUTY_TEAM = "Emergency Duty Team"

# CSWW OrgRole: 1 senior manager ... 6 qualified without cases; 0 here means no social work role.
NO_ROLE = 0
SENIOR_MANAGER, MIDDLE_MANAGER, FIRST_LINE_MANAGER = 1, 2, 3
SENIOR_PRACTITIONER, CASE_HOLDER, QUALIFIED_WITHOUT_CASES = 4, 5, 6
PROMOTION = {CASE_HOLDER: SENIOR_PRACTITIONER, SENIOR_PRACTITIONER: FIRST_LINE_MANAGER}

ROLE_TITLES = {
    SENIOR_MANAGER: "Head of Service",
    MIDDLE_MANAGER: "Service Manager",
    FIRST_LINE_MANAGER: "Team Manager",
    SENIOR_PRACTITIONER: "Senior Practitioner",
    CASE_HOLDER: "Social Worker",
    QUALIFIED_WITHOUT_CASES: "Independent Reviewing Officer",
}
ASYE_TITLE = "Social Worker (ASYE)"
# Qualified social work posts without a caseload (CSWW role 6) in case-holding teams
WITHOUT_CASES_TITLES = (
    "Practice Educator",
    "Quality Assurance Social Worker",
    "Court Team Social Worker",
    "Family Group Conference Coordinator",
    "Independent Reviewing Officer",
)
SUPERVISING_SOCIAL_WORKER = "Supervising Social Worker"
CHILD_PROTECTION_CHAIR = "Child Protection Chair"
EMERGENCY_DUTY_TITLE = "Emergency Duty Social Worker"
SESSIONAL_TITLE = "Sessional Contact Worker"
BUSINESS_SUPPORT_TITLE = "Business Support Officer"
# Non-social-work posts per team, by service area: (job title, posts per team).
SUPPORT_POSTS: dict[str, tuple[str, int]] = {
    "Front Door": ("Contact Officer", 2),
    "Assessment": ("Family Support Worker", 1),
    "Child Protection": ("Family Support Worker", 1),
    "Children Looked After": ("Contact Supervisor", 2),
    "Care Leavers": ("Personal Adviser", 4),
    "Fostering": ("Fostering Support Worker", 1),
    "Disabled Children": ("Family Support Worker", 2),
    "Early Help": ("Early Help Practitioner", 6),
}
# Registered social workers who move to a role outside CFSW (CSWW ReasonLeave 7).
NON_CFSW_TITLES = (
    "Quality Assurance Officer",
    "Practice Development Officer",
    "Workforce Development Officer",
)

# Annual salary at April 2025 pay levels (low, high) by job title.
SALARY_BANDS: dict[str, tuple[int, int]] = {
    "Head of Service": (88_000, 100_000),
    "Service Manager": (66_000, 76_000),
    "Team Manager": (52_000, 60_000),
    "Senior Practitioner": (45_000, 50_000),
    "Social Worker": (38_000, 44_000),
    ASYE_TITLE: (34_000, 36_500),
    "Independent Reviewing Officer": (46_000, 52_000),
    CHILD_PROTECTION_CHAIR: (46_000, 52_000),
    SUPERVISING_SOCIAL_WORKER: (38_000, 44_000),
    "Court Team Social Worker": (40_000, 46_000),
    "Practice Educator": (42_000, 48_000),
    "Family Group Conference Coordinator": (36_000, 42_000),
    "Quality Assurance Social Worker": (42_000, 48_000),
    "Quality Assurance Officer": (40_000, 46_000),
    "Practice Development Officer": (40_000, 46_000),
    "Workforce Development Officer": (40_000, 46_000),
    "Contact Officer": (24_000, 27_000),
    "Family Support Worker": (26_000, 31_000),
    "Contact Supervisor": (24_000, 27_000),
    "Personal Adviser": (28_000, 32_000),
    "Fostering Support Worker": (26_000, 30_000),
    "Early Help Practitioner": (28_000, 32_000),
    BUSINESS_SUPPORT_TITLE: (22_000, 25_000),
}
# Hourly rates at April 2025 levels for staff paid by claimed hours.
SESSIONAL_HOURLY_RATE = {EMERGENCY_DUTY_TITLE: 31.0, SESSIONAL_TITLE: 14.5}
# Pay awards (NJC, from April of the year); other years get DEFAULT_PAY_AWARD.
PAY_AWARDS = {2020: 0.0275, 2021: 0.0175, 2022: 0.05, 2023: 0.055, 2024: 0.03, 2025: 0.032}
DEFAULT_PAY_AWARD = 0.025
PAY_LEVEL_YEAR = 2025

# What an authority's pay offer may list under other_allowances (hr_pay_offer detail).
OTHER_ALLOWANCES_OFFERED = (
    "Essential car user lump sum for mileage-heavy teams",
    "Paid professional membership (BASW) and a protected learning day a month",
    "Key worker housing scheme and a season ticket loan",
    "Additional annual leave after five years' service",
    "Flexible working and an employee assistance programme",
)

# CSWW code lists with draw weights.
GENDERS = {2: 0.81, 1: 0.17, 0: 0.01, 9: 0.01}
ETHNICITIES = {
    "WBRI": 0.60, "WIRI": 0.01, "WOTH": 0.05, "MWBC": 0.012, "MWBA": 0.006, "MWAS": 0.005,
    "MOTH": 0.008, "AIND": 0.02, "APKN": 0.025, "ABAN": 0.008, "AOTH": 0.01, "BCRB": 0.03,
    "BAFR": 0.09, "BOTH": 0.008, "CHNE": 0.003, "OOTH": 0.012, "REFU": 0.02, "NOBT": 0.03,
}  # fmt: skip
LONDON_WHITE_BRITISH_FACTOR = 0.45  # London workforces are markedly more diverse
QUALIFICATION_LEVELS = {1: 0.55, 2: 0.40, 3: 0.05}
# CSWW QualInst: where the social work qualification was gained (no commas: the sample CSVs
# are written unquoted). A few workers have none recorded, as in a real HR system.
QUALIFYING_INSTITUTIONS = (
    "University of Leeds", "Leeds Beckett University", "University of Huddersfield",
    "University of Bradford", "Sheffield Hallam University", "University of York",
    "Manchester Metropolitan University", "University of Salford", "University of Birmingham",
    "University of Nottingham", "Northumbria University", "University of Sussex",
    "University of Kent", "The Open University", "University of East Anglia",
    "Lancaster University", "University of Central Lancashire", "Goldsmiths University of London",
)  # fmt: skip
QUAL_INST_NOT_RECORDED = 0.02
# Share of assignments whose base salary HR has not recorded (the census return's CSWW18 finds
# them); staff paid by claimed hours are recorded at their rate for the contracted hours.
BASE_SALARY_NOT_RECORDED = 0.01
CONTRACTED_HOURS_A_YEAR = 37 * 52.143

# ReasonLeave for people leaving the CFSW workforce below retirement age (5 is drawn by age).
RESIGNATION, RETIRED, MOVED_TO_NON_CFSW_ROLE, OTHER_REASON = 1, 5, 7, 8
LEAVING_REASONS = {1: 0.70, 2: 0.02, 3: 0.01, 4: 0.03, 6: 0.004, 7: 0.07, 8: 0.07, 9: 0.05,
                   10: 0.026}  # fmt: skip
# LeaverDestination by ReasonLeave; reasons missing here leave the destination empty.
LEAVER_DESTINATIONS: dict[int, dict[int, float]] = {
    1: {1: 0.35, 2: 0.04, 3: 0.18, 4: 0.10, 5: 0.06, 6: 0.09, 7: 0.04, 8: 0.12, 9: 0.02},
    2: {6: 0.5, 7: 0.2, 8: 0.3},
    3: {6: 0.5, 7: 0.2, 8: 0.3},
    4: {7: 0.3, 8: 0.7},
    5: {6: 0.8, 8: 0.2},
    7: {5: 1.0},
    8: {7: 0.4, 8: 0.6},
    9: {8: 0.8, 9: 0.2},
    10: {9: 1.0},
}

# StartOrigin and recruitment route of a newly qualified social worker.
NEWLY_QUALIFIED = 1
NEWLY_QUALIFIED_ROUTES = {"asye": 0.55, "frontline": 0.2, "step_up": 0.1, "apprenticeship": 0.15}
# StartOrigin of an experienced starter, and the recruitment route each origin implies.
EXPERIENCED_ORIGINS = {2: 0.45, 3: 0.06, 4: 0.12, 5: 0.08, 6: 0.05, 7: 0.05, 8: 0.04, 9: 0.10,
                       10: 0.05}  # fmt: skip
ORIGIN_ROUTES = {3: "international", 7: "return_to_practice"}
FROM_AGENCY, FROM_SOCIAL_CARE_ROLE = 4, 6
ASYE, PRACTICE_SUPERVISOR, PRACTICE_LEADER = 1, 3, 4  # CSWW CFKSSstatus

# Agency providers (fictional) an authority's managed service draws on.
AGENCY_NAMES = (
    "Northgate Social Care Recruitment",
    "Meridian Locum Services",
    "Castlegate Personnel",
    "Brightwater Social Work Solutions",
    "Oakfield Recruitment",
    "Kestrel Care Professionals",
    "Harbour Street Staffing",
    "Pennine Social Work Agency",
)

# Case types a new child in a team of the area gets; teams of other areas hold no cases
# (the front door screens contacts, early help works without statutory cases, fostering
# supervises carers).
CASE_TYPES = ("assessment", "CIN", "CP", "CLA", "care_leaver")
NEW_CASE_TYPES: dict[str, dict[str, float]] = {
    "Assessment": {"assessment": 1.0},
    "Child Protection": {"CP": 0.55, "CIN": 0.45},
    "Children Looked After": {"CLA": 1.0},
    "Care Leavers": {"care_leaver": 1.0},
    "Disabled Children": {"CIN": 0.6, "CP": 0.1, "CLA": 0.3},
}
# Allocation length in days by case type: minimum plus an exponential tail with this mean.
ALLOCATION_DAYS: dict[str, tuple[int, int]] = {
    "assessment": (15, 35),
    "CIN": (90, 180),
    "CP": (120, 240),
    "CLA": (180, 540),
    "care_leaver": (200, 600),
}
# When a case closes in an area, the share of children passed on to another area's teams.
CASE_TRANSFERS: dict[str, tuple[str, dict[str, float], float]] = {
    "Assessment": ("Child Protection", {"CIN": 0.6, "CP": 0.4}, 0.2),
    "Child Protection": ("Children Looked After", {"CLA": 1.0}, 0.08),
    "Children Looked After": ("Care Leavers", {"care_leaver": 1.0}, 0.1),
}

# First names by gender and surnames, by broad ethnic background of the name.
FEMALE_NAMES = {
    "british": ("Sarah", "Emma", "Laura", "Rebecca", "Hannah", "Charlotte", "Rachel", "Claire",
                "Gemma", "Katie", "Lucy", "Amy", "Jessica", "Sophie", "Joanne", "Nicola", "Helen",
                "Siobhán", "Niamh", "Zoë", "Chloë", "Bethan"),
    "european": ("Agnieszka", "Małgorzata", "Zofia", "Ana", "María", "Inês", "Amélie", "Renée",
                 "Anaïs", "Ioana", "Elena", "Séverine"),
    "south_asian": ("Priya", "Aisha", "Fatima", "Ayesha", "Sana", "Nadia", "Anjali", "Sunita",
                    "Harpreet", "Zainab", "Shabana"),
    "black": ("Chiamaka", "Nkechi", "Abena", "Ama", "Grace", "Blessing", "Funmilayo", "Adaeze",
              "Shanice", "Tanisha"),
    "east_asian": ("Mei", "Xiu", "Jing", "Yan", "Hui"),
    "other": ("Leila", "Yasmin", "Amira", "Noor", "Sofia", "Dalia"),
}  # fmt: skip
MALE_NAMES = {
    "british": ("James", "David", "Michael", "Daniel", "Thomas", "Matthew", "Christopher",
                "Andrew", "Mark", "Paul", "Rhys", "Seán", "Liam", "Owen", "Gareth"),
    "european": ("José", "André", "Łukasz", "Piotr", "Tomás", "João", "François", "Jörg",
                 "Mateusz", "Andrés"),
    "south_asian": ("Mohammed", "Imran", "Raj", "Arjun", "Sanjay", "Amir", "Bilal", "Harjit"),
    "black": ("Kwame", "Oluwaseun", "Chinedu", "Emeka", "Kofi", "Tunde", "Marcus", "Jermaine"),
    "east_asian": ("Wei", "Jun", "Hao", "Ming"),
    "other": ("Omar", "Karim", "Yusuf", "Ali", "Samir"),
}  # fmt: skip
SURNAMES = {
    "british": ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
                "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
                "Hall", "Wood", "Jackson", "Clarke", "Hughes", "O'Brien", "O'Connor", "Murphy",
                "Walsh", "McCarthy"),
    "european": ("Kowalski", "Nowak", "García", "Fernández", "Müller", "Lefèvre", "Silva",
                 "Gonçalves", "Popescu", "Rossi", "Dąbrowski", "Nuñez"),
    "south_asian": ("Patel", "Khan", "Ahmed", "Begum", "Hussain", "Ali", "Shah", "Singh", "Kaur",
                    "Iqbal", "Chaudhry", "Rahman", "Akhtar", "Sharma"),
    "black": ("Okafor", "Adeyemi", "Mensah", "Boateng", "Okoro", "Campbell", "Francis", "Asante",
              "Eze", "Williams"),
    "east_asian": ("Chen", "Wang", "Li", "Zhang", "Wong", "Liu"),
    "other": ("Haddad", "Hassan", "Mahmoud", "Rahimi", "Nasser"),
}  # fmt: skip
NAME_ORIGIN_BY_ETHNICITY = {
    "WBRI": "british", "WIRI": "british", "WOTH": "european", "MWBC": "black",
    "MWBA": "black", "MWAS": "south_asian", "MOTH": "other", "AIND": "south_asian",
    "APKN": "south_asian", "ABAN": "south_asian", "AOTH": "south_asian", "BCRB": "black",
    "BAFR": "black", "BOTH": "black", "CHNE": "east_asian", "OOTH": "other", "REFU": "british",
    "NOBT": "british",
}  # fmt: skip
