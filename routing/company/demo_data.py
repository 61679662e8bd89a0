"""Static ingredients of the demo company: real metro anchors, names, streets, work-order types."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Anchor:
    """A branch office at a real metro area: its anchor ZIP and how far its service area reaches."""

    code: str
    city: str
    zip: str
    radius_miles: float
    weight: float  # relative size of the market (techs and demand scale with it)


# Ordered: a size with n locations takes the first n. Neighbours come early so that small and
# medium companies have techs shared between branches (partitions that connect).
ANCHORS: tuple[Anchor, ...] = (
    Anchor("BOS", "Boston", "02108", 30, 1.6),
    Anchor("WOR", "Worcester", "01608", 30, 0.9),
    Anchor("PVD", "Providence", "02903", 30, 1.1),
    Anchor("HFD", "Hartford", "06103", 30, 1.0),
    Anchor("SPR", "Springfield", "01103", 30, 0.8),
    Anchor("ALB", "Albany", "12207", 35, 0.9),
    Anchor("MHT", "Manchester", "03101", 30, 0.8),
    Anchor("HVN", "New Haven", "06510", 28, 0.9),
    Anchor("PWM", "Portland", "04101", 35, 0.7),
    Anchor("BTV", "Burlington", "05401", 40, 0.5),
    Anchor("STM", "Stamford", "06901", 25, 0.8),
    Anchor("WPN", "White Plains", "10601", 25, 1.2),
    Anchor("POU", "Poughkeepsie", "12601", 30, 0.7),
    Anchor("SYR", "Syracuse", "13202", 35, 0.8),
    Anchor("ROC", "Rochester", "14604", 35, 0.8),
    Anchor("BUF", "Buffalo", "14202", 35, 0.9),
    Anchor("HYA", "Hyannis", "02601", 35, 0.5),
    Anchor("ISP", "Hauppauge", "11788", 28, 1.1),
    Anchor("EWR", "Newark", "07102", 22, 1.6),
    Anchor("NBR", "New Brunswick", "08901", 25, 1.0),
    Anchor("PHL", "Philadelphia", "19103", 28, 1.6),
    Anchor("ABE", "Allentown", "18101", 30, 0.8),
    Anchor("AVP", "Scranton", "18503", 35, 0.6),
    Anchor("CHI", "Chicago", "60601", 28, 1.8),
    Anchor("MKE", "Milwaukee", "53202", 30, 0.9),
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


COMPANY_NAME = "Northeast Alarm & Security (demo)"
EMPLOYEE_DOMAIN = "nealarm.example"
SUBCONTRACTOR_DOMAINS = (
    "brightwire-security.example",
    "keystone-lowvoltage.example",
    "harbor-systems.example",
    "summit-install.example",
)

FIRST_NAMES = _words(
    """
    James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan
    Joseph Jessica Thomas Sarah Christopher Karen Charles Lisa Daniel Nancy Matthew Betty Anthony Sandra
    Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol
    Kevin Amanda Brian Melissa George Deborah Timothy Stephanie Ronald Dorothy Jason Rebecca Edward
    Sharon Jeffrey Laura Ryan Cynthia Jacob Amy Gary Kathleen Nicholas Angela Eric Shirley Jonathan
    Brenda Stephen Emma Larry Anna Justin Pamela Scott Nicole Brandon Samantha Benjamin Katherine Samuel
    Christine Gregory Helen Alexander Debra Patrick Rachel Frank Carolyn Raymond Janet Jack Maria Dennis
    Catherine Jerry Heather Tyler Diane Aaron Olivia Jose Julie Adam Joyce Nathan Victoria Henry Ruth
    Zachary Virginia Douglas Lauren Peter Kelly Kyle Christina Noah Joan Ethan Evelyn Jeremy Judith
    Walter Andrea Christian Hannah Keith Megan Roger Cheryl Terry Jacqueline Austin Martha Sean Madison
    Gerald Teresa Carl Gloria Harold Sara Dylan Janice Arthur Ann Lawrence Kathryn Jordan Abigail Jesse
    Sophia Bryan Frances Billy Jean Bruce Alice Gabriel Judy Joe Isabella Logan Julia Alan Grace Juan
    Amber Albert Denise Willie Danielle Elijah Marilyn Wayne Beverly Randy Charlotte Vincent Natalie
    Mason Theresa Roy Diana Ralph Brittany Bobby Doris Russell Kayla Bradley Alexis Philip Lori Eugene
    Marie Priya Wei Mei Luis Carmen Ahmed Fatima Dmitri Anh Kwame Aisha Raj Sofia Mateo Yuki Hiroshi
    Chloe Liam Dana Tomasz
    """
)

LAST_NAMES = _words(
    """
    Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
    Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark
    Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams
    Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker
    Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper
    Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James
    Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez
    Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez
    Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole
    Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens
    Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker
    Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz
    Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice
    Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley
    Spencer Hawkins O'Brien O'Connor Kowalski Novak Rossi Russo Costa Fitzgerald Doyle Brennan Gallagher
    Lindqvist Okafor Haddad Nakamura Singh Shah Cohen
    """
)

STREET_NAMES = _words(
    """
    Main Maple Oak Pine Cedar Elm Washington Lincoln Park Lake Hill Church Water Spring Highland
    Prospect Summer Winter School Mill Bridge Chestnut Walnut Union Franklin Pleasant Center Forest
    Meadow River Ridge Grove Liberty Madison Jefferson Adams Hancock Putnam Orchard Harbor Bay Beacon
    Commonwealth Linden Willow Birch Sycamore Hawthorne Academy Depot Railroad Mountain Valley Brook
    Fairview Sunset Colonial Cottage Garden Heritage Quarry Mystic
    """
)
STREET_SUFFIXES = ("St", "Ave", "Rd", "Dr", "Ln", "Ct", "Way", "Pl", "Ter", "Blvd", "Pkwy", "Cir")

BUSINESS_PATTERNS = (
    "{last} Dental Group",
    "{last} & Sons Hardware",
    "{city} Family Pharmacy",
    "{street} Self Storage",
    "{last} Law Offices",
    "{city} Veterinary Clinic",
    "{street} Street Bakery",
    "{last} Auto Repair",
    "{city} Montessori School",
    "{street} Commons Condominiums",
    "{last} Jewelers",
    "{city} Credit Union Branch",
    "{last} Family Dentistry",
    "{street} Liquors",
    "{city} Fitness Center",
)

CUSTOMER_NOTES = (
    "Dog on premises; call before arrival.",
    "Gate code at the front desk.",
    "Use the side entrance.",
    "Customer works nights; afternoon visits preferred.",
    "Panel is in the basement utility room.",
    "Parking behind the building.",
    "Monitoring contract renews next month.",
    "Spanish-speaking household.",
    "Key holder: property manager.",
    "Elderly customer; allow extra time for walkthrough.",
)

ZIP_NOTES = (
    "Gated communities: call ahead for access.",
    "Historic district: permit needed for exterior cameras.",
    "Rural roads: allow extra travel time in winter.",
    "High-rise buildings: building management sign-in.",
    "Seasonal homes: many properties closed November-April.",
)

TIME_OFF_PARTIAL = (
    ("10:00", "14:00", "doctor"),
    ("07:00", "09:30", "dentist"),
    ("13:00", "17:00", "training"),
    ("14:30", "18:00", "family"),
    ("08:00", "12:00", "vehicle service"),
)

# code, name, duration (min), required skills [(skill, min_level)], share of demand
WORK_ORDER_TYPES: tuple[tuple[str, str, int, tuple[tuple[str, int], ...], float], ...] = (
    ("service", "Alarm service call", 60, (("alarm", 1),), 0.32),
    ("install", "Alarm system install", 180, (("alarm", 2),), 0.18),
    ("inspection", "Fire alarm inspection", 60, (("fire", 2),), 0.13),
    ("camera_install", "Camera install", 150, (("video", 2),), 0.13),
    ("takeover", "Takeover of an existing system", 120, (("alarm", 3), ("access", 1)), 0.08),
    ("access_install", "Access control install", 180, (("access", 2), ("alarm", 1)), 0.06),
    ("fire_service", "Fire alarm service call", 90, (("fire", 1),), 0.10),
)

# slot windows in minutes after midnight; the evening slot takes only jobs of up to 2 hours
SLOTS: tuple[tuple[int, int], ...] = ((8 * 60, 12 * 60), (12 * 60, 16 * 60), (16 * 60, 18 * 60))
