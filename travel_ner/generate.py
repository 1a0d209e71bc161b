"""Seeded generator of annotated French travel requests (and of non-requests).

Sentences are built compositionally from the tables below (frames × verbs × connectors
× noise), so the model sees thousands of phrasings rather than a few memorisable ones.
A template is plain text with two kinds of slots:

* text slots ``{NAME}`` (upper or lower case), replaced by a random option of
  ``TEXT_SLOTS`` (options may hold slots themselves) until none is left;
* mention slots ``{DEP:de}``, ``{ARR:à}``, ``{VIA}``, ``{PLACE}``, ``{PERSON:à}``…, a place
  or person written after an optional preposition. Contractions are applied ("de" + Le Mans
  → "du Mans", "à" + Les Sables-d'Olonne → "aux Sables-d'Olonne", "de" + Amiens →
  "d'Amiens") and only the name, without preposition or contracted article, is the span.

The sentence is kept as a list of (text, label) pieces up to the end, so case changes,
SMS spellings ("jveux", "pr", "stp"), typos and misspellings never shift an entity offset.

Places are drawn as people name them: mostly by popularity (a power of the population, so
"Tours" or "Poitiers" far more often than "Saint-Germain-la-Blanche-Herbe"), partly
uniformly, so that the long tail of oddly shaped names is still covered.

Annotation conventions (same as the hand-written test set): a trip has exactly one DEP
and one ARR; a sentence with a single city, the same city twice, a stop ("via Dijon"),
a person, or a request in another language has no span.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate
from typing import Callable, Collection, Mapping, Sequence

from spacy.lang.fr.tokenizer_exceptions import TOKEN_MATCH as FRENCH_TOKEN_MATCH

from travel_ner.annotations import Annotated, normalise
from travel_ner.places import FIRST_NAMES, WORD_NAMES, Place, split_article

# Share of each category; non-trips are not_trip + foreign + ~40% of name_ambiguity ≈ 23%.
CATEGORY_WEIGHTS: dict[str, float] = {
    "standard": 0.16,
    "inverted": 0.11,
    "no_markers": 0.12,
    "lowercase": 0.12,
    "typo": 0.06,
    "compound": 0.08,
    "name_ambiguity": 0.07,
    "via": 0.08,
    "not_trip": 0.14,
    "foreign": 0.06,
}
TRIP_CATEGORIES = ("standard", "inverted", "no_markers", "lowercase", "typo", "compound", "via")
NON_TRIP_CATEGORIES = ("not_trip", "foreign")
MAX_TRIES = 200  # attempts at a sentence not already produced (or excluded) before giving up

Option = str | Callable[[random.Random], str]

TEXT_SLOTS: dict[str, tuple[Option, ...]] = {
    # Openings, verbs and request shapes.
    "HELLO": ("",) * 8 + ("Bonjour. ", "Bonjour ! ", "Salut ! ", "Bonsoir. ", "Hello ! ", "Coucou ! ",
                          "Excusez-moi. ", "Bonjour madame. ", "Bonjour monsieur. "),
    "OPEN": ("Je veux", "Je voudrais", "J'aimerais", "Je souhaite", "Je souhaiterais", "Je dois", "Je compte",
             "Je vais", "Je pense", "J'aimerais bien", "Je voudrais bien", "Je dois absolument", "Je vais devoir",
             "J'espère pouvoir", "Je cherche à", "Je voudrais pouvoir", "Il faudrait que je puisse"),
    "V": ("aller", "partir", "me rendre", "voyager", "rentrer", "prendre le train", "prendre un train",
          "prendre le bus", "prendre un car", "prendre l'avion", "prendre un TGV", "prendre un TER",
          "faire le trajet", "réserver un billet", "réserver une place", "réserver un aller simple",
          "réserver un aller-retour", "trouver un train", "trouver un covoiturage", "trouver un trajet",
          "acheter un billet", "descendre", "monter", "voyager en train", "faire la route", "aller en voiture"),
    "GO": ("Je pars", "Je vais", "Je voyage", "Je rentre", "Nous partons", "On part", "On va", "Je descends",
           "Je monte", "Je file", "Je me rends", "Nous voyageons", "Il faut que j'aille", "Je roule",
           "Je fais la route", "Je dois me rendre"),
    "NEED": ("Je cherche", "Il me faut", "Il me faudrait", "Trouve-moi", "Réserve-moi",
             "Je voudrais", "Je veux", "Donnez-moi", "Pourriez-vous me réserver", "Je souhaite réserver",
             "Je dois acheter"),
    "ASK": ("Y a-t-il", "Est-ce qu'il y a", "Il y a", "Tu as", "Vous avez", "Existe-t-il", "Tu me trouves",
            "Pouvez-vous me réserver", "Peux-tu me trouver", "Vous auriez", "Il reste"),
    "ITEM": ("un {VEH}", "un billet", "un trajet", "un aller simple", "un aller-retour", "un ticket",
             "un itinéraire", "une place", "deux places", "des billets"),
    "VEH": ("train", "TGV", "TER", "bus", "car", "covoiturage", "Ouigo", "Intercités", "vol", "train de nuit",
            "Blablacar", "Flixbus"),
    "WHEN": ("Quel est le prochain", "À quelle heure part le premier", "À quelle heure passe le dernier",
             "Combien de temps dure le", "Il part quand le", "C'est à quelle heure le", "Quand part le"),
    "PRICE_Q": ("Combien coûte un billet", "C'est combien pour aller", "Quel est le prix du billet",
                "Ça coûte combien un aller", "Quels sont les tarifs", "Quels sont les horaires",
                "Horaires des trains", "Tarif", "Prix du billet", "Combien de temps pour aller"),
    "ITEM_CAP": ("Un billet", "Deux billets", "Un aller simple", "Un aller-retour", "Trajet", "Itinéraire",
                 "Billet", "Trois places", "Une place", "1 billet", "Réservation", "Aller simple"),
    "SMS": ("slt jveux aller", "jvoudrais aller", "bjr g besoin d'1 billet", "jcherche 1 train", "dispo 1 covoit",
            "yo jdois aller", "svp 1 billet", "c combien 1 billet", "jpars", "jrentre", "g 1 train",
            "tfaçon jvais"),
    "SMS_END": ("", " stp", " svp", " pls", " mrc", " ?", " !!", " asap"),
    "END": ("", ".", ".", ".", " !", "!", "...", ", merci.", ", s'il vous plaît.", ", svp", " stp",
            ", merci d'avance."),
    "Q": (" ?", "?", " ?", "", " svp ?", ", s'il vous plaît ?", " ??"),
    "DOT": ("", ".", ".", "!", " !", "..."),
    "PLEASE": ("", ".", ", s'il vous plaît.", " svp", ", merci", " stp"),
    # Noise around the cities.
    "NOISE": ("",) * 6 + (" {DATE}", " {DATE}", " {TIME}", " {DATE} {TIME}", ", {PAX}", " {PAX}", " {CLASS}",
                          ", {PRICE}", " {DATE}, {PAX}", " {MISC}", ", {MISC}", " {DATE} {CLASS}",
                          " {DATE} {TIME}, {PRICE}"),
    "DATE": ("demain", "ce soir", "aujourd'hui", "après-demain", "ce week-end", "lundi prochain",
             "le {day} {month}", "le {day} {month}", "le {day}/{mm}", "{weekday} prochain", "{weekday} {day} {month}",
             "dans deux semaines", "la semaine prochaine", "{weekday} matin", "cet été", "pour les vacances",
             "demain matin", "en fin de semaine", "le {day}"),
    "TIME": ("à {hour}h", "vers {hour}h{min}", "avant {hour}h", "après {hour}h", "en fin de journée",
             "tôt le matin", "dans l'après-midi", "à {hour} h {min}", "vers midi", "en soirée", "à {hour}:{min}"),
    "PAX": ("pour {n} personnes", "pour {n} adultes et {n} enfants", "avec mon chien", "avec un vélo",
            "pour moi et ma femme", "seul", "avec un bébé", "pour un groupe de {n}", "avec une poussette",
            "pour deux", "en famille"),
    "PRICE": ("pour moins de {n}0 €", "pas plus de {n}0 euros", "le moins cher possible", "budget {n}0€",
              "avec la carte Avantage", "avec ma carte jeune", "tarif réduit"),
    "CLASS": ("en première classe", "en seconde", "en 1re", "en 2nde classe", "en première", "en classe éco"),
    "MISC": ("aller simple", "aller-retour", "place côté fenêtre", "direct si possible", "sans correspondance",
             "c'est urgent", "merci", "svp", "s'il vous plaît", "pas trop tard", "au plus vite"),
    "TICKET": ("",) * 3 + ("Billet ", "Train ", "TGV ", "Bus ", "Trajet ", "Aller simple ", "Aller-retour ",
                           "Covoit ", "billet ", "2 billets ", "Réservation ", "Trains ", "Ouigo ", "TER ", "Vol "),
    "weekday": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "month": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre"),
    "day": (lambda rng: str(rng.randint(1, 28)),),
    "mm": (lambda rng: f"{rng.randint(1, 12):02d}",),
    "hour": (lambda rng: str(rng.randint(5, 23)),),
    "min": (lambda rng: rng.choice(("00", "15", "30", "45", "10", "50")),),
    "n": (lambda rng: str(rng.randint(2, 6)),),
    # Bare route notations ("TER Besançon Dole horaires"): words before, scraps after.
    "TPRE": ("",) * 6 + ("{TICKET}", "{TICKET}", "{TICKET}", "{TWORD} ", "{TWORD} ", "{TWORD} ", "{TWORD} {TWORD2} "),
    "TWORD": ("Train", "TER", "TGV", "Bus", "Car", "Covoiturage", "Covoit", "Navette", "Vol", "Billet", "Billets",
              "Aller-retour", "AR", "A/R", "Aller", "Horaires", "Tarif", "Prix", "Ouigo", "Intercités", "Trajet",
              "Deux billets", "1 aller", "Prochain train", "Dernier train", "Premier bus", "Trains", "Blablacar",
              "Flixbus", "Réservation", "Itinéraire", "Infos"),
    "TWORD2": ("TER", "TGV", "train", "bus", "car", "simple", "retour", "direct", "pas cher", "2nde", "1re classe"),
    "TPOST": ("",) * 5 + (" {TBIT}", " {TBIT}", " {TBIT}", " {TBIT} {TBIT}", ", {TBIT}", " {TBIT} {TBIT}{Q}",
                          " {TBIT}{Q}", "{Q}", " {TBIT} {TBIT} {TBIT}"),
    "TBIT": ("{DATE}", "{DATE}", "{hour}h", "{hour}h{min}", "vers {hour}h", "avant {hour}h", "après {hour}h",
             "le {day}", "{PAXS}", "{PAXS}", "horaires", "prix", "tarif", "le plus tôt possible", "dernier train",
             "premier train", "{n}0 € max", "max {n}0€", "pas cher", "direct", "aller simple", "aller-retour",
             "svp", "merci", "dispo", "c'est possible", "ce soir", "demain matin", "{weekday}", "{weekday} soir",
             "retour {weekday}", "en 2nde", "1re classe", "urgent", "au plus vite"),
    "PAXS": ("1 adulte", "{n} adultes", "{n} pers", "1 pers", "2 pers", "1 adulte 1 enfant", "{n} places",
             "1 place", "2 adultes 1 enfant", "{n} personnes", "moi + 1", "avec vélo", "1 senior", "1 jeune"),
    # Clause pairs: one clause names the departure, the other the arrival, in either order.
    "DEP_LEAD": ("Je suis {DEP:à}", "Je suis actuellement {DEP:à}", "Je me trouve {DEP:à}", "Je pars {DEP:de}",
                 "Je pars {DEP:de} {DATE}", "On part {DEP:de}", "Départ {DEP:de}", "Départ {DEP:de} {TIME}",
                 "Départ {DEP}", "Je quitte {DEP}", "Je quitte {DEP} {DATE}", "Je serai {DEP:à} {DATE}",
                 "Actuellement {DEP:à}", "Je suis en vacances {DEP:à}", "Je loge chez {FRIENDS} {DEP:à}",
                 "Je monte dans le {VEH} {DEP:à}", "Je prends le {VEH} {DEP:à}", "Je décolle {DEP:de}",
                 "Au départ {DEP:de}", "En partant {DEP:de}", "Je suis coincé {DEP:à}", "Je bosse {DEP:à}",
                 "Je viens {DEP:de}", "J'habite {DEP:à}", "Je termine le boulot {DEP:à} {TIME}", "On est {DEP:à}",
                 "Nous sommes {DEP:à}", "Là je suis {DEP:à}", "En ce moment je suis {DEP:à}", "Je vis {DEP:à}"),
    "ARR_TAIL": ("je dois aller {ARR:à}", "je voudrais aller {ARR:à}", "je veux rentrer {ARR:à}",
                 "je dois être {ARR:à} {TIME}", "je voudrais rejoindre {ARR}", "je dois rejoindre {ARR}",
                 "arrivée {ARR:à}", "arrivée prévue {ARR:à} {TIME}", "arrivée {ARR}", "direction {ARR}",
                 "destination {ARR}", "pour aller {ARR:à}", "je vais {ARR:à}", "je rentre {ARR:à}",
                 "il me faut {ITEM} {ARR:pour}", "comment aller {ARR:à}", "je cherche {ITEM} {ARR:pour}",
                 "je descends {ARR:à}", "je monte {ARR:à}", "je file {ARR:à}", "objectif {ARR}",
                 "j'ai rendez-vous {ARR:à} {TIME}", "il faut que j'arrive {ARR:à} {DATE}",
                 "je vais voir {FRIENDS} {ARR:à}", "on doit être {ARR:à} {TIME}", "nous allons {ARR:à}",
                 "je rentre chez moi {ARR:à}", "on m'attend {ARR:à} {DATE}", "je descends sur {ARR}",
                 "je monte sur {ARR}", "il faut que je sois {ARR:à} {TIME}", "j'irai {ARR:à} {DATE}"),
    "ARR_LEAD": ("{OPEN} {GO_TO} {ARR:à}", "{OPEN} {GO_TO} {ARR:à} {DATE}", "{OPEN} rejoindre {ARR}",
                 "Il faut que j'arrive {ARR:à} {DATE}", "Je dois être {ARR:à} {TIME}", "{ITEM_CAP} {ARR:pour}",
                 "{NEED} {ITEM} {ARR:pour}", "Cap sur {ARR}", "Direction {ARR}", "Destination {ARR}",
                 "Destination : {ARR}", "Objectif {ARR}", "Arrivée {ARR}", "Arrivée {ARR:à}",
                 "Arrivée {ARR} {TIME}",
                 "Arrivée prévue {ARR:à} {TIME}", "Je rentre {ARR:à}", "Je rentre {ARR:à} {DATE}",
                 "On rentre {ARR:à} {DATE}", "Je descends {ARR:à}", "Je monte {ARR:à} {DATE}",
                 "Réserve-moi {ARR}", "Trouve-moi {ITEM} {ARR:pour}", "Quel {VEH} va {ARR:à}",
                 "J'ai rendez-vous {ARR:à} {DATE}", "Je suis attendu {ARR:à} {TIME}", "Je vais {ARR:à} {DATE}",
                 "Besoin d'aller {ARR:à}", "Il me faut {ITEM} {ARR:pour}", "Pour aller {ARR:à}",
                 "Je cherche comment aller {ARR:à}", "{ARR}, c'est là que je vais", "Je reviens {ARR:à} {DATE}",
                 "Je vais voir {FRIENDS} {ARR:à}", "On m'attend {ARR:à} {DATE}", "On doit être {ARR:à} {TIME}",
                 "Nous devons aller {ARR:à}", "Je rentre chez moi {ARR:à}", "J'aimerais arriver {ARR:à} {TIME}",
                 "Prochain départ {ARR:pour}", "Je dois retrouver {FRIENDS} {ARR:à}", "{ARR}, j'y vais {DATE}",
                 "Il faut que je sois {ARR:à} {TIME}", "Mon rendez-vous est {ARR:à} {TIME}",
                 "Je veux rejoindre {FRIENDS} {ARR:à}", "Quelle est la meilleure façon d'aller {ARR:à}",
                 "J'arrive {ARR:à} {DATE}", "Je descends sur {ARR} {DATE}", "Je monte sur {ARR}",
                 "Je voudrais aller sur {ARR}", "Je dois passer la nuit {ARR:à}", "Mon entretien est {ARR:à} {DATE}",
                 "Nous irons {ARR:à} {DATE}", "Je serai attendu {ARR:à} {TIME}", "Je vais chez {FRIENDS} {ARR:à}"),
    "DEP_TAIL": ("je pars {DEP:de}", "on part {DEP:de}", "départ {DEP:de}", "départ {DEP}", "au départ {DEP:de}",
                 "en partant {DEP:de}", "je monte dans le {VEH} {DEP:à}", "je prends le {VEH} {DEP:à}",
                 "je suis {DEP:à}", "je suis actuellement {DEP:à}", "je suis chez {FRIENDS} {DEP:à}",
                 "je loge {DEP:à}", "je me trouve {DEP:à}", "je serai {DEP:à} avant", "je viens {DEP:de}",
                 "je quitte {DEP}", "depuis {DEP}", "je monte {DEP:à}", "j'embarque {DEP:à}",
                 "je suis en vacances {DEP:à}", "en provenance {DEP:de}", "je pars {DEP:de} {TIME}",
                 "départ {DEP:de} {TIME}", "je dors {DEP:à} ce soir", "je commence {DEP:à}", "je démarre {DEP:de}",
                 "on est {DEP:à} pour l'instant", "nous sommes {DEP:à}", "là je suis {DEP:à}", "je vis {DEP:à}",
                 "en ce moment je suis {DEP:à}", "en venant {DEP:de}", "je reviens {DEP:de}", "j'habite {DEP:à}",
                 "au départ de la gare {DEP:de}", "je prendrai le {VEH} {DEP:à}", "je partirai {DEP:de}",
                 "je pars de chez moi {DEP:à}", "quand on habite {DEP:à}", "quand on part {DEP:de}",
                 "je dors {DEP:à} la veille", "je serai encore {DEP:à}", "je quitterai {DEP} {TIME}",
                 "je viens {DEP:de} en {VEH}", "je travaille {DEP:à}", "je suis en déplacement {DEP:à}",
                 "ma mère me dépose {DEP:à}", "je prends la route {DEP:à}", "on partira {DEP:de}"),
    "GO_TO": ("aller", "me rendre", "rentrer", "arriver", "être", "descendre", "monter", "partir", "filer"),
    "FRIENDS": ("des amis", "ma mère", "mes parents", "un ami", "une copine", "mon frère", "ma tante", "des cousins"),
    "JOIN": (", ", ", ", ", ", " ; ", ". ", ". ", " et ", " mais ", " : ", " - ", "! ", " alors ", " "),
    # Stops, after or before the trip.
    "VIA_TAIL": (" via {VIA}", " en passant par {VIA}", ", changement {VIA:à}", " avec arrêt {VIA:à}",
                 " avec un arrêt {VIA:à}", " en m'arrêtant {VIA:à}", " en faisant une halte {VIA:à}",
                 " sans changer {VIA:à}", ", je compte passer par {VIA}", ", mais je veux m'arrêter {VIA:à}",
                 " par {VIA} puis {VIA2}", " en passant par {VIA} et {VIA2}", " en m'arrêtant {VIA:à} et {VIA2:à}",
                 " avec une correspondance {VIA:à}", " via {VIA} et {VIA2}", ", escale {VIA:à}",
                 " en faisant étape {VIA:à}", ", correspondance {VIA:à}", " avec un détour par {VIA}",
                 " en évitant {VIA}", " par {VIA}", ", pause {VIA:à}", ", on dort {VIA:à}"),
    "VIA_HEAD": ("On passe par {VIA}", "Je passe par {VIA}", "En passant par {VIA}", "Avec un arrêt {VIA:à}",
                 "Je voudrais m'arrêter {VIA:à}", "Je dois voir un ami {VIA:à}", "Via {VIA}",
                 "Je veux faire une pause {VIA:à}", "Avec une escale {VIA:à}", "J'ai une correspondance {VIA:à}",
                 "Sans passer par {VIA}"),
    "VIA_Q": ("passe-t-il par {VIA}", "s'arrête-t-il {VIA:à}", "passe par {VIA}", "s'arrête {VIA:à}",
              "est direct ou passe par {VIA}", "dessert-il {VIA}", "a un changement {VIA:à}"),
    # SMS openings and closings, written before the lowercase and SMS rewrites.
    "SMS_HI": ("",) * 4 + ("slt ", "cc ", "bsr ", "yo ", "wesh ", "bjr ", "hello ", "coucou ", "re ", "dsl "),
    "SMS_ASK": ("tu peux me réserver", "tu peux me trouver", "je cherche", "il me faut", "je veux", "je voudrais",
                "c'est combien", "c'est combien un billet", "il y a un train", "il y a encore un train",
                "y a-t-il un bus", "un aller", "un billet", "dispo", "besoin d'un", "tu as un", "je prends",
                "horaires", "t'as les horaires", "il reste de la place", "je cherche un covoit"),
    "SMS_END2": ("",) * 3 + (" stp", " svp", " pls", " merci", " mrc", " ?", " ??", " !!", " asap", " mtn",
                             " tkt", " bisous", " c urgent", " dmain", " ce soir", " ce we"),
    # Sentences without any place.
    "GREET": ("Bonjour", "Bonjour !", "Salut, ça va ?", "Merci beaucoup !", "Bonne journée", "Bonsoir",
              "Coucou", "Au revoir", "Merci, c'est parfait.", "D'accord.", "Ok merci", "Super, merci !"),
    "OTHER": ("Je voudrais un billet{PLEASE}", "Quelle heure est-il{Q}", "Annule ma réservation{PLEASE}",
              "Je voudrais parler à un conseiller{END}", "Mon train a du retard{END}", "Comment ça marche{Q}",
              "Je veux partir en vacances{END}", "Je voudrais un café{PLEASE}",
              "Est-ce que mon billet est remboursable{Q}", "J'ai perdu ma valise{END}", "Il y a une grève {DATE}{Q}",
              "Combien coûte la carte Avantage{Q}", "Je veux aller à la plage{END}", "Je vais au travail {DATE}{END}",
              "Je rentre à la maison{END}", "Je vais de la cuisine au salon{END}", "Je pars du bureau à {hour}h{END}",
              "Je vais à la gare {DATE}{END}", "Où est le quai {n}{Q}", "Je voudrais changer de place{END}"),
}  # fmt: skip

# A request frame wraps a connector "core" holding the two cities.
REQUEST_FRAMES = (
    "{HELLO}{OPEN} {V} {CORE}{NOISE}{END}",
    "{HELLO}Est-ce que je peux {V} {CORE}{NOISE}{Q}",
    "{HELLO}Comment {V} {CORE}{NOISE}{Q}",
    "Aide-moi à {V} {CORE}{NOISE}{END}",
    "{HELLO}{GO} {CORE}{NOISE}{END}",
    "{HELLO}{NEED} {ITEM} {CORE}{NOISE}{END}",
    "{HELLO}{ASK} {ITEM} {CORE}{NOISE}{Q}",
    "{WHEN} {VEH} {CORE}{NOISE}{Q}",
    "{PRICE_Q} {CORE}{NOISE}{Q}",
    "{ITEM_CAP} {CORE}{NOISE}{PLEASE}",
    "{SMS} {CORE}{NOISE}{SMS_END}",
    "{SMS_HI}{SMS_ASK} {CORE}{NOISE}{SMS_END2}",
)
# "de X à Y" is by far the most common way to say it.
FORWARD_CORES = (
    "{DEP:de} {ARR:à}", "{DEP:de} {ARR:à}", "{DEP:de} {ARR:à}", "{DEP:de} {ARR:à}", "{DEP:de} {ARR:à}",
    "{DEP:de} {ARR:à}", "{DEP:de} {ARR:pour}", "{DEP:de} {ARR:pour}", "{DEP:de} {ARR:vers}",
    "{DEP:de} {ARR:jusqu'à}", "{DEP:depuis} {ARR:jusqu'à}", "{DEP:depuis} {ARR:vers}", "{DEP:depuis} {ARR:à}",
    "{DEP:au départ de} {ARR:à destination de}", "{DEP:au départ de} {ARR:pour}", "{DEP:en partant de} {ARR:pour}",
    "{DEP:de} {ARR:à destination de}", "{DEP:à partir de} {ARR:jusqu'à}", "{DEP:de} {ARR:en direction de}",
    "{DEP:en provenance de} {ARR:vers}", "{DEP:de} pour aller {ARR:à}", "{DEP:de} pour rejoindre {ARR}",
    "{DEP:depuis} pour aller {ARR:à}", "{DEP:de} {ARR:sur}", "{DEP:depuis} {ARR:sur}",
)  # fmt: skip
INVERTED_CORES = (
    "{ARR:à} {DEP:depuis}", "{ARR:à} {DEP:en partant de}", "{ARR:à} {DEP:au départ de}",
    "{ARR:pour} {DEP:au départ de}", "{ARR:pour} {DEP:depuis}", "{ARR:vers} {DEP:depuis}",
    "{ARR:vers} {DEP:à partir de}", "{ARR:jusqu'à} {DEP:depuis}",
    "{ARR:à destination de} {DEP:en provenance de}", "{ARR:pour} {DEP:en partant de}",
    "{ARR} {DEP:au départ de}", "{ARR} {DEP:depuis}", "{ARR} {DEP:en partant de}", "{ARR:pour}, départ {DEP:de}",
    "{ARR:à}, en partant {DEP:de}", "{ARR:vers} {DEP:de}", "{ARR:à} {DEP:en venant de}",
    "{ARR:pour} {DEP:en provenance de}", "{ARR:jusqu'à} {DEP:en partant de}", "{ARR:à} {DEP:à partir de}",
    "{ARR:à destination de} {DEP:au départ de}", "{ARR:sur} {DEP:depuis}", "{ARR:sur} {DEP:de}",
    "{ARR:à} {DEP:de}",
)  # fmt: skip
VIA_CORES = (
    "{DEP:de} {ARR:à} {VIA:via}", "{DEP:de} {ARR:à} {VIA:en passant par}",
    "{DEP:de} {ARR:à} avec une escale {VIA:à}",
    "{DEP:de} {ARR:à} avec un arrêt {VIA:à}", "{DEP:de} {ARR:à} avec une correspondance {VIA:à}",
    "{DEP:de} {ARR:à} avec un changement {VIA:à}", "{DEP:de} {ARR:pour} {VIA:via} et {VIA2}",
    "{DEP:de} {ARR:à} sans passer par {VIA}", "{DEP:depuis} {ARR:jusqu'à} en faisant étape {VIA:à}",
    "{DEP:de} {VIA:via} {ARR:jusqu'à}", "{DEP:de} {ARR:à} {VIA:par}", "{ARR:à} {DEP:depuis} {VIA:via}",
    "{DEP:de} {ARR:vers} avec un arrêt {VIA:à} et {VIA2:à}",
    "{DEP:de} {ARR:à}{VIA_TAIL}", "{DEP:de} {ARR:pour}{VIA_TAIL}", "{DEP:depuis} {ARR:jusqu'à}{VIA_TAIL}",
    "{ARR:à} {DEP:depuis}{VIA_TAIL}", "{DEP:de} {ARR:vers}{VIA_TAIL}",
)  # fmt: skip
# Bare "X Y" cores inside a request ("Il me faut un billet Lyon Annecy").
NO_MARKER_CORE = "{DEP}{SEP}{ARR}"
NO_MARKER_FRAMES = (
    "{HELLO}{NEED} {ITEM} {CORE}{TPOST}{END}", "{HELLO}{ASK} {ITEM} {CORE}{TPOST}{Q}", "{WHEN} {VEH} {CORE}{TPOST}{Q}",
    "{PRICE_Q} {CORE}{TPOST}{Q}", "{ITEM_CAP} {CORE}{TPOST}{PLEASE}", "{SMS_HI}{SMS_ASK} {CORE}{TPOST}{SMS_END2}",
    "{SMS_HI}{SMS_ASK} {CORE}{TPOST}{SMS_END2}", "{OPEN} faire {CORE}{TPOST}{END}", "Je fais {CORE}{TPOST}{END}",
    "{HELLO}Tu peux me réserver {CORE}{TPOST}{Q}", "Il y a quoi comme {VEH} {CORE}{TPOST}{Q}",
)  # fmt: skip
# Two clauses, one per city: "Je suis à X, je dois aller à Y" / "Cap sur Y ; je pars de X".
CLAUSE_FRAMES = {
    "standard": ("{HELLO}{DEP_LEAD}{JOIN}{ARR_TAIL}{NOISE}{END}", "{DEP_LEAD}{JOIN}{ARR_TAIL}{Q}"),
    "inverted": ("{HELLO}{ARR_LEAD}{JOIN}{DEP_TAIL}{NOISE}{END}", "{ARR_LEAD}{JOIN}{DEP_TAIL}{Q}",
                 "{HELLO}{ARR_LEAD}{NOISE}{JOIN}{DEP_TAIL}{END}"),
}
CLAUSE_SHARE = {"standard": 0.2, "inverted": 0.4}
# Whole-sentence shapes of each kind that do not fit a frame + core.
SPECIFIC_FRAMES: dict[str, tuple[str, ...]] = {
    "standard": (
        "Je suis {DEP:à}, je dois aller {ARR:à}{NOISE}{END}",
        "Je me trouve {DEP:à} et je voudrais rejoindre {ARR}{NOISE}{END}",
        "Départ {DEP:de}, arrivée {ARR:à}{NOISE}",
        "Départ : {DEP}, arrivée : {ARR}{NOISE}",
        "Je quitte {DEP} {ARR:pour}{NOISE}{END}",
        "{DEP:Depuis}, je voudrais aller {ARR:à}{NOISE}{END}",
        "{DEP:De} {ARR:à}{NOISE}{Q}",
        "Je pars {DEP:de} et je vais {ARR:à}{NOISE}{END}",
        "Actuellement {DEP:à}, je cherche {ITEM} {ARR:pour}{NOISE}{END}",
        "chui {DEP:à} jdois aller {ARR:à}{NOISE}{SMS_END}",
        "Je suis {DEP:à} {DATE} et je dois être {ARR:à} le soir{END}",
        "Partir {DEP:de} pour aller {ARR:à}{NOISE}, c'est possible{Q}",
        "{HELLO}Est-ce qu'un {VEH} relie {DEP} {ARR:à}{NOISE}{Q}", "Quel {VEH} relie {DEP} {ARR:à}{NOISE}{Q}",
    ),
    "inverted": (
        "Direction {ARR}, en partant {DEP:de}{NOISE}{END}",
        "Direction {ARR} {DEP:depuis}{NOISE}{END}",
        "Destination : {ARR}, départ : {DEP}{NOISE}",
        "Je dois être {ARR:à} {DATE}, je pars {DEP:de}{END}",
        "Pour aller {ARR:à}, je pars {DEP:de}{NOISE}{END}",
        "Je veux rejoindre {ARR} {DEP:depuis}{NOISE}{END}",
        "{ARR}, c'est ma destination, je pars {DEP:de}{END}",
        "Arrivée {ARR:à}, départ {DEP:de}{NOISE}",
        "{ARR:Pour}, au départ {DEP:de}{NOISE}{Q}",
        "J'ai rendez-vous {ARR:à} {DATE} et je serai {DEP:à} avant{END}",
        "Je rentre {ARR:à} {DATE}, je serai {DEP:à} jusque-là, il me faut {ITEM}{END}",
    ),
    "via": (
        "{DEP} - {ARR} via {VIA}{NOISE}",
        "{DEP} → {VIA} → {ARR}{NOISE}",
        "Je pars {DEP:de}, je fais escale {VIA:à} et j'arrive {ARR:à}{NOISE}{END}",
        "Je quitte {DEP}, je m'arrête {VIA:à} puis je continue {ARR:jusqu'à}{END}",
        "{DEP:De} {ARR:à} en passant par {VIA}, c'est possible{Q}",
        "Billet {DEP} {ARR} via {VIA}{PLEASE}",
        "Trajet {DEP:de} {ARR:à}, correspondance {VIA:à}{NOISE}{END}",
        "Je veux passer par {VIA} pour aller {DEP:de} {ARR:à}{END}",
        "{VIA_HEAD} pour aller {DEP:de} {ARR:à}{NOISE}{END}",
        "{VIA_HEAD} pour rejoindre {ARR} {DEP:depuis}{NOISE}{END}",
        "{VIA_HEAD}, je vais {DEP:de} {ARR:à}{NOISE}{END}",
        "Le {VEH} {DEP:de} {ARR:à} {VIA_Q}{Q}", "Est-ce que le {VEH} {DEP:de} {ARR:à} {VIA_Q}{Q}",
        "{OPEN} faire {DEP}{SEP}{ARR}{VIA_TAIL}{NOISE}{END}", "{TPRE}{DEP}{SEP}{ARR}{VIA_TAIL}{TPOST}",
        "{DEP_LEAD}{JOIN}{ARR_TAIL}{VIA_TAIL}{END}",
    ),
}
# Tickets and route notations: no preposition tells which city is which, only the order.
TICKET_FRAMES = (
    "{TICKET}{DEP}{SEP}{ARR}{NOISE}", "{TICKET}{DEP}{SEP}{ARR}{NOISE}", "{TICKET}{DEP}{SEP}{ARR}",
    "{DEP}{SEP}{ARR} {DATE}{NOISE}", "{DEP}{SEP}{ARR}{Q}", "{DEP}{SEP}{ARR} c'est combien{Q}",
    "{DEP}{SEP}{ARR} {DATE} {TIME} svp", "{DATE} {DEP}{SEP}{ARR}", "{TICKET}{DEP}{SEP}{ARR} {CLASS}",
    "Dispo {DEP}{SEP}{ARR}{Q}", "Prix {DEP}{SEP}{ARR}{Q}", "Horaires {DEP}{SEP}{ARR}{NOISE}",
    "{TPRE}{DEP}{SEP}{ARR}{TPOST}", "{TPRE}{DEP}{SEP}{ARR}{TPOST}", "{TPRE}{DEP}{SEP}{ARR}{TPOST}",
    "{TPRE}{DEP}{SEP}{ARR}{TPOST}", "{TBIT} {DEP}{SEP}{ARR}{TPOST}",
)  # fmt: skip
# A plain space is how most people write a bare route ("Lyon Grenoble demain").
SPACED_SEPARATORS = (" ",) * 5 + (" - ", " - ", " → ", " -> ", " > ", " / ", " – ", " => ", " >> ", " — ")
GLUED_SEPARATORS = ("→", "/", "->")
# A glued hyphen only between one-word names: the tokenizer keeps "Lyon-Saint-Étienne" or
# "Gare du Nord-Le Havre" as one token, and a reader could not split them either.
GLUED_HYPHEN = "-"

NAME_AMBIGUITY_TRIPS = (
    "{HELLO}Avec {PERSON}, on va {CORE}{NOISE}{END}",
    "{PERSON} et moi voulons aller {CORE}{NOISE}{END}",
    "J'accompagne {PERSON} {CORE}{NOISE}{END}",
    "Je pars avec {PERSON} {CORE}{NOISE}{END}",
    "Réserve deux places pour {PERSON} et moi {CORE}{NOISE}{END}",
    "Mon fils {PERSON} doit aller {CORE}{NOISE}{END}",
    "Ma fille {PERSON} voudrait {ITEM} {CORE}{NOISE}{END}",
    "{PERSON} me rejoint, on part {CORE}{NOISE}{END}",
    "Billet au nom {PERSON:de} {CORE}{NOISE}",
    "Je dois aller {CORE} pour voir {PERSON}{END}",
    "{PERSON} cherche {ITEM} {CORE}{Q}",
    "Avec {PERSON} je vais {CORE}{END}",
    "{TITLE} {PERSON} vient avec moi {CORE}{NOISE}{END}", "{PERSON} prend le {VEH} {CORE}{NOISE}{END}",
    "{TITLE} {PERSON}, vous partez bien {CORE}{Q}", "{TITLE} {PERSON} me conseille d'aller {CORE}{END}",
    "{PERSON} m'emmène {CORE}{NOISE}{END}", "Je vais voir {PERSON}, {CORE}{NOISE}{END}",
    "{PERSON} rentre {CORE}{NOISE}{END}", "C'est {PERSON} qui conduit {CORE}{END}",
)
NAME_AMBIGUITY_NON_TRIPS = (
    "Mon ami {PERSON} habite {PLACE:à}{DOT}",
    "{PERSON} est né {PLACE:à}{DOT}",
    "Dis {PERSON:à} que j'arrive {DATE}{DOT}",
    "J'ai dîné avec {PERSON} hier soir{DOT}",
    "Je vais chez {PERSON} {DATE}{DOT}",
    "{PERSON} m'a parlé {PLACE:de}{DOT}",
    "C'est l'anniversaire {PERSON:de} {DATE}{DOT}",
    "Je pars en vacances avec {PERSON}{DOT}",
    "{PERSON} travaille {PLACE:à} depuis deux ans{DOT}",
    "Tu connais {PERSON}{Q}",
    "Envoie un message {PERSON:à}{DOT}",
    "Mon ami {PERSON} vient {PLACE:de}, il est très sympa{DOT}",
    "J'attends {PERSON} à la gare{DOT}",
    "{TITLE} {PERSON} est en retard{DOT}", "{PERSON} m'a dit que {PLACE} était jolie{DOT}",
    "{PERSON} part en vacances {DATE}{DOT}", "{TITLE} {PERSON} vit {PLACE:à}{DOT}",
    "{PERSON} a pris le {VEH} ce matin{DOT}",
)
# How a person is introduced.
PERSON_TITLES = ("Mon pote", "Mon ami", "Madame", "Monsieur", "Le docteur", "Maître", "Mon collègue", "Ma cousine",
                 "Tonton", "Mamie", "Ma copine", "Mon voisin")  # fmt: skip
# Each of WORD_NAMES as the everyday word or brand, in a sentence that names no place.
HOMONYM_CLAUSES: dict[str, tuple[str, ...]] = {
    "Orange": ("Le réseau Orange ne passe pas dans le train", "Ma box Orange est encore en panne",
               "Je n'ai plus de data sur mon forfait Orange", "J'aurai un sac orange", "Mon manteau est orange"),
    "Nice": ("C'est super nice", "Trop nice", "Ce serait vraiment nice", "Ce serait nice de ta part"),
    "Tours": ("Le petit veut faire trois tours de manège", "J'ai fait deux tours de la gare sans te trouver",
              "Mon vélo a perdu quelques tours de roue"),
    "Sens": ("Je voudrais une place dans le sens de la marche", "Je voyage mieux dans le sens de la marche",
             "Ça n'a aucun sens", "Attention, la rue est à sens unique", "Je me trompe toujours de sens"),
    "Lourdes": ("Mes valises sont lourdes", "J'ai deux valises très lourdes", "Les journées sont lourdes"),
    "Cannes": ("J'emporte mes cannes à pêche", "Mon grand-père marche avec deux cannes"),
    "Plaisir": ("Avec plaisir", "Au plaisir", "Ce sera un plaisir", "Quel plaisir de voyager"),
    "Bordeaux": ("J'aurai une valise bordeaux", "Je porte un pull bordeaux", "J'ai acheté un bon bordeaux"),
    "Vienne": ("Il faut que ma sœur vienne aussi", "J'aimerais que Paul vienne avec moi",
               "Pourvu que le contrôleur ne vienne pas"),
    "Tulle": ("Je transporte une robe en tulle", "Ma fille a un tutu en tulle"),
    "Cognac": ("Je rapporte une bouteille de cognac", "Mon oncle boit du cognac"),
    "Moulins": ("On ira voir les moulins à vent", "Les enfants adorent les moulins"),
    "Fougères": ("Je ramène des fougères pour le jardin", "Le talus est couvert de fougères"),
}
HOMONYM_SHARE = 0.35  # of name_ambiguity sentences: a commune's name as a word rather than a person

# Non-trips: one city, facts about a place, two cities that are not a route, no city at all.
SINGLE_CORES = (
    "{PLACE:à}", "{PLACE:pour}", "{PLACE:vers}", "{PLACE:jusqu'à}", "{PLACE:depuis}", "{PLACE:de}",
    "{PLACE:au départ de}", "{PLACE:à destination de}", "{PLACE:en partant de}",
)  # fmt: skip
ABOUT_PLACE = (
    "Quel temps fait-il {PLACE:à}{Q}", "Quel temps fera-t-il {PLACE:à} {DATE}{Q}",
    "Il pleut {PLACE:à} depuis ce matin{DOT}", "Météo {PLACE:à} {DATE}{PLEASE}",
    "Il fait beau {PLACE:à} aujourd'hui{DOT}", "J'adore le vin {PLACE:de}{DOT}",
    "La spécialité {PLACE:de}, c'est quoi{Q}",
    "On mange bien {PLACE:à}{DOT}", "Le marché {PLACE:de} est très connu{DOT}", "Je suis né {PLACE:à}{DOT}",
    "Je suis née {PLACE:à} en 1985{DOT}", "J'habite {PLACE:à} depuis dix ans{DOT}", "Ma sœur vit {PLACE:à}{DOT}",
    "Je viens {PLACE:de}{DOT}", "Mes grands-parents sont originaires {PLACE:de}{DOT}", "Je travaille {PLACE:à}{DOT}",
    "Combien d'habitants y a-t-il {PLACE:à}{Q}", "Où se trouve {PLACE}{Q}", "C'est joli {PLACE:à}{Q}",
    "Que visiter {PLACE:à}{Q}", "Quelle est la population {PLACE:de}{Q}", "{PLACE}, c'est dans quel département{Q}",
    "Tu connais un bon restaurant {PLACE:à}{Q}", "L'hôtel {PLACE:à} était super{DOT}",
    "Je cherche un appartement {PLACE:à}{DOT}", "La mairie {PLACE:de} est fermée le lundi{DOT}",
    "Je suis bloqué {PLACE:à}, le train est annulé{DOT}", "Mon train {PLACE:pour} a du retard{DOT}",
    "Je suis déjà {PLACE:à}{DOT}", "Je viens d'arriver {PLACE:à}{DOT}", "Le fromage {PLACE:de} est délicieux{DOT}",
    "Il y a une grève {PLACE:à} {DATE}{Q}", "Les soldes commencent quand {PLACE:à}{Q}",
)  # fmt: skip
TWO_PLACES = (
    "{PLACE} est plus grande que {PLACE2}{DOT}", "Je préfère {PLACE} {PLACE2:à}{DOT}",
    "{PLACE} ou {PLACE2}, je n'arrive pas à choisir{DOT}", "Le match {PLACE} contre {PLACE2} commence à {hour}h{DOT}",
    "J'ai vécu {PLACE:à} puis {PLACE2:à}{DOT}", "Mon frère habite {PLACE:à} et ma sœur {PLACE2:à}{DOT}",
    "Je travaille {PLACE:à} mais j'habite {PLACE2:à}{DOT}", "Il fait plus chaud {PLACE:à} qu'{PLACE2:à}{DOT}",
    "{PLACE} est jumelée avec {PLACE2}{DOT}", "Qui est le maire {PLACE:de}, et celui {PLACE2:de}{Q}",
    "Le vin {PLACE:de} est meilleur que celui {PLACE2:de}{DOT}",
)  # fmt: skip
# The same city at both ends is no trip; DEP and ARR are the same place, not annotated.
SAME_PLACE = (
    "{HELLO}{OPEN} {V} {DEP:de} {ARR:à}{NOISE}{END}", "{DEP} - {ARR}{NOISE}", "Un billet {DEP:de} {ARR:à}{PLEASE}",
    "Je pars {DEP:depuis} {ARR:jusqu'à}{END}", "{TICKET}{DEP} → {ARR}",
)  # fmt: skip
NO_PLACE = (
    "{GREET}", "{GREET} {OTHER}", "{OTHER}", "{OTHER}",
)
FOREIGN = (
    "I want to go from {DEP} to {ARR}.", "I'd like a ticket from {DEP} to {ARR}, please.",
    "Is there a train from {DEP} to {ARR} tomorrow?", "How do I get to {ARR} from {DEP}?",
    "One way ticket {DEP} to {ARR}", "Book me a train from {DEP} to {ARR} on Monday.",
    "What's the weather like in {DEP}?", "I live in {DEP}.", "Hello, how are you?",
    "Quiero ir de {DEP} a {ARR}.", "Un billete de {DEP} a {ARR}, por favor.", "¿Hay un tren de {DEP} a {ARR} mañana?",
    "Me gustaría viajar desde {DEP} hasta {ARR}.", "¿Cómo llego a {ARR} desde {DEP}?", "Vivo en {DEP}.",
    "Ich möchte von {DEP} nach {ARR} fahren.", "Eine Fahrkarte von {DEP} nach {ARR}, bitte.",
    "Gibt es einen Zug von {DEP} nach {ARR}?", "Wie komme ich von {DEP} nach {ARR}?", "Das Wetter in {DEP} ist schön.",
    "Vorrei andare da {DEP} a {ARR}.", "Un biglietto da {DEP} a {ARR}, per favore.",
    "C'è un treno da {DEP} per {ARR} domani?", "Abito a {DEP}.", "Quero ir de {DEP} para {ARR}.",
    "Um bilhete de {DEP} para {ARR}, por favor.", "Existe um comboio de {DEP} para {ARR}?",
    "Ik wil van {DEP} naar {ARR} reizen.", "Een kaartje van {DEP} naar {ARR}, alstublieft.",
    "i wanna go {DEP} to {ARR} tmrw", "Necesito un tren desde {DEP} a {ARR}",
)  # fmt: skip
# Requests in other languages, by language: sentence shapes around {R}, the route, and {T}, a tail.
FOREIGN_LANGUAGES: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {"F": ("Quiero ir {R}{T}.", "Necesito un billete {R}{T}.", "¿Hay trenes {R}{T}?", "¿Hay autobuses {R}{T}?",
                 "¿Cuánto cuesta el billete {R}{T}?", "¿A qué hora sale el tren {R}{T}?",
                 "¿Cuánto tarda el tren {R}?",
                 "Busco un viaje {R}{T}.", "Un billete {R}{T}, por favor.", "¿Hay algún autobús {R}{T}?",
                 "Me gustaría viajar {R}{T}.", "Dos billetes {R}{T}", "¿Sale algún tren {R}{T}?"),
           "R": ("de {DEP} a {ARR}", "de {DEP} a {ARR}", "desde {DEP} a {ARR}", "desde {DEP} hasta {ARR}",
                 "de {DEP} hacia {ARR}"),
           "T": ("", "", " mañana", " los domingos", " esta noche", " el lunes", " por la mañana", " hoy",
                 " el fin de semana", " a las {hour}")},
    "it": {"F": ("Vorrei andare {R}{T}.", "Un biglietto {R}{T}, per favore.", "C'è un treno {R}{T}?",
                 "Quanto costa il treno {R}{T}?", "A che ora parte l'autobus {R}{T}?", "Il treno {R} è in ritardo.",
                 "Cerco un passaggio {R}{T}.", "Ci sono pullman {R}{T}?", "Devo andare {R}{T}."),
           "R": ("da {DEP} a {ARR}", "da {DEP} per {ARR}", "da {DEP} fino a {ARR}"),
           "T": ("", "", " domani", " stasera", " la domenica", " lunedì", " oggi", " alle {hour}")},
    "pt": {"F": ("Quero ir {R}{T}.", "Um bilhete {R}{T}, por favor.", "Quanto custa ir {R}{T}?",
                 "Há autocarros {R}{T}?", "Existe um comboio {R}{T}?", "A que horas sai o ônibus {R}{T}?",
                 "Preciso de uma passagem {R}{T}.", "Tem trem {R}{T}?"),
           "R": ("de {DEP} para {ARR}", "de {DEP} a {ARR}", "de {DEP} até {ARR}"),
           "T": ("", "", " amanhã", " hoje à noite", " aos domingos", " na segunda")},
    "en": {"F": ("I need a train {R}{T}.", "Can you book me a ride {R}{T}?", "What time is the last train {R}{T}?",
                 "Is there a bus {R}{T}?", "How much is a ticket {R}{T}?", "We are going {R} by bike.",
                 "Take me {R}{T}, please.", "Any trains {R}{T}?", "cheapest way {R}{T}"),
           "R": ("from {DEP} to {ARR}",),
           "T": ("", "", " tonight", " tomorrow", " on Sunday", " this weekend", " at {hour}")},
    "de": {"F": ("Ich fahre {R}{T}.", "Ich möchte {R} fahren.", "Gibt es einen Bus {R}{T}?",
                 "Wann fährt der letzte Zug {R}{T}?", "Eine Fahrkarte {R}, bitte."),
           "R": ("von {DEP} nach {ARR}",),
           "T": ("", "", " morgen", " heute Abend", " am Sonntag")},
    "nl": {"F": ("Ik ga {R}{T}.", "Is er een trein {R}{T}?", "Een kaartje {R}, alstublieft."),
           "R": ("van {DEP} naar {ARR}",),
           "T": ("", "", " morgen", " vanavond")},
}
# Names of French cities in other languages, used only when the city was drawn.
EXONYMS: dict[str, dict[str, str]] = {
    "Marseille": {"es": "Marsella", "it": "Marsiglia", "pt": "Marselha"},
    "Nice": {"es": "Niza", "it": "Nizza"}, "Lyon": {"it": "Lione", "pt": "Lião"},
    "Strasbourg": {"de": "Straßburg", "nl": "Straatsburg", "es": "Estrasburgo", "it": "Strasburgo"},
    "Bordeaux": {"pt": "Bordéus"}, "Toulouse": {"es": "Tolosa", "it": "Tolosa"},
    "Paris": {"es": "París", "it": "Parigi", "nl": "Parijs"}, "Lille": {"nl": "Rijsel"},
    "Dunkerque": {"en": "Dunkirk", "nl": "Duinkerke"}, "Narbonne": {"es": "Narbona"},
    "Menton": {"it": "Mentone"}, "Avignon": {"es": "Aviñón", "it": "Avignone"}, "Perpignan": {"es": "Perpiñán"},
    "Bayonne": {"es": "Bayona"}, "Nantes": {"it": "Nantes"}, "Montpellier": {"es": "Montpellier"},
}  # fmt: skip
# Texting spellings, applied (each with some chance) to the lowercased words around the cities.
SMS_SPELLINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"\bje suis\b", ("jsuis", "chui", "jsui", "chuis")), (r"\bj'ai\b", ("g", "jai")),
    (r"\bje (?=[bcdfghjklmnpqrstvwxz])", ("j",)), (r"\bj'", ("j",)), (r"\bpour\b", ("pr", "pr", "pour")),
    (r"\bs'il (te|vous) pla[iî]t\b", ("stp", "svp")), (r"\bbonjour\b", ("bjr", "slt", "cc")),
    (r"\bsalut\b", ("slt", "cc", "yo")), (r"\bbonsoir\b", ("bsr",)), (r"\bc'est\b", ("c", "cest")),
    (r"\b(est-ce qu')?il y a\b|\by a-t-il\b", ("ya", "y a", "ya")),
    (r"\btu peux\b|\bpeux-tu\b|\bpouvez-vous\b|\bpourriez-vous\b", ("tu px", "tu peu", "tu peux")),
    (r"\bmaintenant\b", ("mtn",)), (r"\bdemain\b", ("dmain", "2main")), (r"\bquoi\b", ("koi",)),
    (r"\bbeaucoup\b", ("bcp",)), (r"\baujourd'hui\b", ("auj", "ajd")), (r"\bweek-end\b", ("we", "wk")),
    (r"\bmerci\b", ("mrc", "mci")), (r"\bquand\b", ("qd", "kan")), (r"\best-ce que\b", ("esk", "est ce que")),
    (r"\bque j'aille\b", ("que jaille", "ke jaille")), (r"\bil faut que\b", ("faut que", "faut ke")),
    (r"\bavec\b", ("avc",)), (r"\bcombien\b", ("cb", "cmb")), (r"\bpersonnes\b", ("pers",)),
    (r"\btu as\b", ("ta", "t'as")), (r"\bvoudrais\b", ("voudrai", "voudré")), (r"\bun\b", ("1",)),
    (r"\brendez-vous\b", ("rdv",)), (r"\btrès\b", ("tres", "trop")), (r"\bqu'", ("k",)),
    (r"\bd'accord\b", ("dac", "ok")), (r"\bs'te plait\b", ("stp",)), (r"\bpas\b", ("pa",)),
)  # fmt: skip
SMS_RATE = 0.6

# Frequent misspellings of request words; other words get a random letter slip.
COMMON_TYPOS = {
    "voudrais": ("voudrai", "voudré", "vourdais"), "billet": ("bilet", "billait", "biller"),
    "aller": ("allé", "allez", "aler"), "réserver": ("reserver", "réserer", "résever"),
    "demain": ("dmain", "demin", "deamin"), "train": ("trian", "trin", "trains"), "veux": ("veut", "veus"),
    "pour": ("pur", "poru"), "depuis": ("depui", "depuit"), "merci": ("mrci", "mercie"),
    "plaît": ("plait", "plaie"), "aimerais": ("aimerai", "aimerait"), "partir": ("partire", "patir"),
    "vers": ("ver", "vert"), "combien": ("conbien", "combein"), "prochain": ("prochin", "prochian"),
}  # fmt: skip
_SLOT = re.compile(r"\{([A-Za-z][A-Za-z_]*[0-9]?)(?::([^{}]*))?\}")
_PREPOSITION_END = re.compile(r"(|.*[ '])(de|à)", re.IGNORECASE)
_CONTRACTED = {("de", "Le"): "du", ("de", "Les"): "des", ("à", "Le"): "au", ("à", "Les"): "aux"}
_VOWELS = "aeiouyâàäéèêëîïôöûüœ"
_WORD = re.compile(r"[^\W\d_]{4,}")
_ONE_LETTER_END = re.compile(r"(?:^|\W)\w$")
MENTION_SLOTS = ("DEP", "ARR", "VIA", "VIA2", "PLACE", "PLACE2", "PERSON")

Piece = tuple[str, str | None]  # text, entity label (None for plain text)


# How places are drawn: people name towns roughly in proportion to a power of their
# population (a town of 100,000 far more often than a village of 1,000, but villages still
# come up), stations less often than their town; some draws stay uniform, so that the long
# tail of rare, oddly shaped names is still covered.
MAJOR_SHARE = 0.15  # one of the 100 biggest communes
WEIGHTED_SHARE = 0.65  # otherwise, weighted by population ** POPULATION_EXPONENT; the rest uniform
POPULATION_EXPONENT = 0.75
STATION_WEIGHT = 0.25  # a station is named this much less often than its town (shared by its stations)


def popularity(place: Place, n_stations: int = 1) -> float:
    """How often people name ``place`` relative to other places."""
    weight = place.population**POPULATION_EXPONENT
    return weight * STATION_WEIGHT / n_stations if place.is_station else weight


@dataclass(frozen=True)
class _Pool:
    places: tuple[Place, ...]
    cum_weights: tuple[float, ...]

    @classmethod
    def of(cls, places: Sequence[Place]) -> _Pool:
        stations = Counter(p.city for p in places if p.is_station)
        return cls(tuple(places), tuple(accumulate(popularity(p, stations[p.city]) for p in places)))

    def draw(self, rng: random.Random, weighted: bool) -> Place:
        if weighted:
            return rng.choices(self.places, cum_weights=self.cum_weights)[0]
        return rng.choice(self.places)


@dataclass(frozen=True)
class _Pools:
    """Where places are drawn from: mostly by popularity, often a big city, sometimes a hard one."""

    places: _Pool
    major: _Pool  # the most populous communes, as people name big cities far more often
    compound: _Pool  # multi-word, hyphenated, with article, elided or stations
    ambiguous: _Pool  # communes that are also first names

    @classmethod
    def build(cls, places: Sequence[Place]) -> _Pools:
        if len({p.city for p in places}) < 4:
            raise ValueError("need places from at least 4 communes to write trips with stops")
        by_size = sorted((p for p in places if not p.is_station), key=lambda p: (-p.population, p.name))
        compound = [p for p in places if p.is_station or p.article or re.search(r"[ '-]", p.name) or _elides(p)]
        return cls(
            _Pool.of(places),
            _Pool.of(by_size[:100] or places),
            _Pool.of(compound or places),
            _Pool.of([p for p in places if p.name in FIRST_NAMES]),
        )

    def pick(self, rng: random.Random, taken: Collection[Place], pool: _Pool | None = None) -> Place:
        """A place from ``pool`` (default: major, by popularity or uniform) in a commune not in ``taken``."""
        cities = {p.city for p in taken}
        if pool is not None and all(p.city in cities for p in pool.places):
            pool = None
        while True:
            source = pool or (self.major if rng.random() < MAJOR_SHARE else self.places)
            place = source.draw(rng, rng.random() < WEIGHTED_SHARE)
            if place.city not in cities:
                return place


def _elides(place: Place) -> bool:
    return not place.article and place.name[0].lower() in _VOWELS


def expand(template: str, rng: random.Random, extra: Mapping[str, tuple[Option, ...]] | None = None) -> str:
    """Replace text slots by random options until only mention slots are left."""
    slots = TEXT_SLOTS | dict(extra or {})

    def substitute(match: re.Match[str]) -> str:
        if match.group(1) in MENTION_SLOTS:
            return match.group(0)
        option = rng.choice(slots[match.group(1)])
        return option if isinstance(option, str) else option(rng)

    while True:
        expanded = _SLOT.sub(substitute, template)
        if expanded == template:
            return expanded
        template = expanded


def attach(preposition: str, name: str) -> tuple[str, str]:
    """Write ``name`` after ``preposition``: returns (text before the span, span text).

    ``("de", "Le Mans")`` → ``("du ", "Mans")``; ``("jusqu'à", "Les Ulis")`` → ``("jusqu'aux ", "Ulis")``;
    ``("de", "Amiens")`` → ``("d'", "Amiens")``; ``("de", "La Rochelle")`` → ``("de ", "La Rochelle")``.
    """
    article, core = split_article(name)
    match = _PREPOSITION_END.fullmatch(preposition)
    if match:
        head, word = match.groups()
        contracted = _CONTRACTED.get((word.lower(), article.capitalize()))
        if contracted:
            return f"{head}{contracted.capitalize() if word[0].isupper() else contracted} ", core
        if word.lower() == "de" and not article and core[0].lower() in _VOWELS:
            return f"{head}{word[0]}'", name
    return f"{preposition} ", name


def render(template: str, mentions: Mapping[str, tuple[str, str | None]]) -> list[Piece]:
    """Turn a template whose text slots are expanded into (text, label) pieces."""
    pieces: list[Piece] = []
    pos = 0
    for match in _SLOT.finditer(template):
        slot, preposition = match.groups()
        name, label = mentions[slot]
        before, span = attach(preposition, name) if preposition else ("", name)
        pieces += [(template[pos : match.start()] + before, None), (span, label)]
        pos = match.end()
    pieces.append((template[pos:], None))
    # The tokenizer reads "Plouezoc'h. Je" as "Plouezoc'" | "h." (an abbreviation): no full stop after such a name.
    for i in range(1, len(pieces) - 1, 2):
        if _ONE_LETTER_END.search(pieces[i][0]) and pieces[i + 1][0].startswith(". "):
            pieces[i + 1] = ("," + pieces[i + 1][0][1:], None)
    return pieces


def to_annotated(pieces: Sequence[Piece], category: str, source: str = "generated") -> Annotated:
    """Join pieces into text with character-offset spans."""
    text, spans = "", []
    for piece, label in pieces:
        if label:
            spans.append((len(text), len(text) + len(piece), label))
        text += piece
    return Annotated(text, tuple(spans), category, source)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def misspell(word: str, rng: random.Random) -> str:
    """One realistic slip inside a word: drop, double or swap letters, or lose the accents.

    Only letters between two letters are edited, so the first and last characters and the
    separators of "Saint-Jean-d'Angély" stay put and a misspelt name keeps clean edges.
    """
    inner = [i for i in range(1, len(word) - 1) if word[i - 1 : i + 2].isalpha()]
    edits: list[tuple[list[int], Callable[[int], str]]] = [
        (inner, lambda i: word[:i] + word[i + 1 :]),
        (inner, lambda i: word[:i] + word[i] + word[i:]),
        ([i for i in inner if i + 1 in inner], lambda i: word[:i] + word[i + 1] + word[i] + word[i + 2 :]),
    ]
    for _ in range(10):
        if strip_accents(word) != word and rng.random() < 0.3:
            return strip_accents(word)
        positions, edit = rng.choice(edits)
        if positions and (candidate := edit(rng.choice(positions))) != word:
            return candidate
    return word


def _typo_words(text: str, rng: random.Random, rate: float) -> str:
    def slip(match: re.Match[str]) -> str:
        word = match.group(0)
        if rng.random() >= rate:
            return word
        common = COMMON_TYPOS.get(word.lower())
        return rng.choice(common) if common else misspell(word, rng)

    return _WORD.sub(slip, text)


# Case and accent changes of the "lowercase" category, on (text, is_entity).
CASINGS: dict[str, Callable[[str, bool], str]] = {
    "lower": lambda text, _: text.lower(),
    "upper": lambda text, _: text.upper(),
    "no_accents": lambda text, _: strip_accents(text),
    "lower_no_accents": lambda text, _: strip_accents(text.lower()),
    "lower_places": lambda text, entity: text.lower() if entity else text,
}


SAINT_VARIANTS = {"Saint-": ("St-", "St ", "Saint "), "Sainte-": ("Ste-", "Ste ", "Sainte ")}


def _variant(name: str, rng: random.Random) -> str:
    """How people actually write a compound name: St-/Ste-, spaces for hyphens."""
    if rng.random() < 0.5:
        name = re.sub(r"\bSainte?-", lambda m: rng.choice(SAINT_VARIANTS[m.group()]), name)
    if rng.random() < 0.3:
        name = name.replace("-", " ")
    return name


_SENTENCE_START = re.compile(r"([.!?] )([a-zàâçéèêîôû])")


def _capitalise_sentences(template: str) -> str:
    """Upper-case the first letter after a full stop inside a template ("Cap sur X. je pars" → ". Je pars")."""
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), template)


def _separators(names: Sequence[str]) -> tuple[str, ...]:
    """Separators for a bare "X Y" ticket; a glued hyphen only where the tokenizer will split it.

    French tokenizer rules keep some hyphenated words whole ("Monts-Montpellier", like "mont-blanc").
    """
    one_word = not any(re.search(r"[ '-]", name) for name in names)
    glued = one_word and not FRENCH_TOKEN_MATCH(GLUED_HYPHEN.join(names))
    return SPACED_SEPARATORS + GLUED_SEPARATORS + ((GLUED_HYPHEN,) * 2 if glued else ())


def _trip(
    rng: random.Random,
    pools: _Pools,
    kind: str,
    pool: _Pool | None = None,
    variant: bool = False,
    ends: tuple[Place, Place] | None = None,
) -> list[Piece]:
    """A trip of ``kind`` (standard, inverted, no_markers, via) with one DEP and one ARR (``ends`` if given)."""
    if ends is None:
        dep = pools.pick(rng, (), pool)
        arr = pools.pick(rng, (dep,), pool)
    else:
        dep, arr = ends
    via = pools.pick(rng, (dep, arr))
    via2 = pools.pick(rng, (dep, arr, via))
    names = {slot: (_variant(p.name, rng) if variant else p.name) for slot, p in (("DEP", dep), ("ARR", arr))}
    extra: dict[str, tuple[Option, ...]] = {"SEP": _separators(tuple(names.values()))}
    if kind == "no_markers":
        if rng.random() < 0.3:
            frame, extra["CORE"] = rng.choice(NO_MARKER_FRAMES), (NO_MARKER_CORE,)
            extra["SEP"] = (" ",) * 6 + SPACED_SEPARATORS + ((GLUED_HYPHEN,) if GLUED_HYPHEN in extra["SEP"] else ())
        else:
            frame = rng.choice(TICKET_FRAMES)
    else:
        extra["CORE"] = {"standard": FORWARD_CORES, "inverted": INVERTED_CORES, "via": VIA_CORES}[kind]
        draw = rng.random()
        if draw < CLAUSE_SHARE.get(kind, 0.0):
            frame = rng.choice(CLAUSE_FRAMES[kind])
        elif draw < CLAUSE_SHARE.get(kind, 0.0) + 0.3:
            frame = rng.choice(SPECIFIC_FRAMES[kind])
        else:
            frame = rng.choice(REQUEST_FRAMES)
    template = _capitalise_sentences(expand(frame, rng, extra))
    mentions = {"DEP": (names["DEP"], "DEP"), "ARR": (names["ARR"], "ARR"),
                "VIA": (via.name, None), "VIA2": (via2.name, None)}  # fmt: skip
    return render(template, mentions)


TRIP_KINDS = ("standard", "standard", "inverted", "no_markers", "via")
# Lowercase and texted requests are often bare "lyon annecy" tickets.
TEXTED_KINDS = ("standard", "standard", "standard", "inverted", "inverted", "no_markers", "no_markers", "no_markers",
                "via")


def _plain_trip(rng: random.Random, pools: _Pools, kinds: Sequence[str] = TRIP_KINDS, variant: bool = False):
    return _trip(rng, pools, rng.choice(kinds), variant=variant)


def texted(text: str, rng: random.Random) -> str:
    """Text as typed on a phone: lower case, SMS spellings, mostly no accents, fewer commas."""
    text = text.lower()
    for pattern, options in SMS_SPELLINGS:
        text = re.sub(pattern, lambda m: rng.choice(options) if rng.random() < SMS_RATE else m.group(0), text)
    if rng.random() < 0.8:
        text = strip_accents(text)
    if rng.random() < 0.5:
        text = text.replace(", ", " ").replace(" ; ", " ")
    return text


def _case(pieces: Sequence[Piece], rng: random.Random, texting: float) -> list[Piece]:
    """The pieces texted (with probability ``texting``) or in another case and accent style."""
    if rng.random() < texting:
        cased = [(texted(text, rng) if label is None else text.lower(), label) for text, label in pieces]
        if rng.random() < 0.8:
            cased = [(strip_accents(text), label) for text, label in cased]
        if rng.random() < 0.5 and cased[-1][1] is None:
            cased[-1] = (cased[-1][0].rstrip(".!"), None)
        return cased
    casing = CASINGS[rng.choice(tuple(CASINGS))]
    return [(casing(text, label is not None), label) for text, label in pieces]


UNACCENTED_SHARE = 0.12  # typed on a keyboard without accents ("de Lyon a Nimes"), in any category but these
UNACCENTED_SKIP = ("lowercase", "foreign")  # lowercase has its own accent changes; foreign texts keep theirs


def _unaccented(pieces: Sequence[Piece], rng: random.Random) -> list[Piece]:
    """Accents dropped around the names ("à" typed "a"), and in half the cases from the names too."""
    names_too = rng.random() < 0.5
    return [(strip_accents(text) if label is None or names_too else text, label) for text, label in pieces]


def _lowercase(rng: random.Random, pools: _Pools) -> list[Piece]:
    return _case(_plain_trip(rng, pools, TEXTED_KINDS, variant=rng.random() < 0.5), rng, texting=0.6)


def _typo(rng: random.Random, pools: _Pools) -> list[Piece]:
    """Slips in request words, in a city name, or both."""
    in_words, in_names = rng.choice(((True, False), (False, True), (True, True)))
    misspelt = rng.choice(("DEP", "ARR"))
    pieces = []
    for text, label in _plain_trip(rng, pools):
        if label is None and in_words:
            text = _typo_words(text, rng, 0.3)
        elif label == misspelt and in_names:
            core = split_article(text)[1]
            text = text[: len(text) - len(core)] + misspell(core, rng)
        pieces.append((text, label))
    return pieces


def _compound(rng: random.Random, pools: _Pools) -> list[Piece]:
    return _trip(rng, pools, rng.choice(("standard", "inverted", "no_markers")), pools.compound, variant=True)


def _name_ambiguity(rng: random.Random, pools: _Pools) -> list[Piece]:
    """A person named like a commune: a trip with that person, or a sentence about them with no trip.

    In a trip, the person is often named like one of its two ends ("Nancy va de Laval à Nancy").
    """
    if rng.random() < HOMONYM_SHARE:
        return _homonym_word(rng, pools)
    person = rng.choice(FIRST_NAMES)
    extra = {"TITLE": PERSON_TITLES}
    if rng.random() < 0.4:
        place = pools.pick(rng, ())
        template = expand(rng.choice(NAME_AMBIGUITY_NON_TRIPS), rng, extra)
        return render(template, {"PERSON": (person, None), "PLACE": (place.name, None)})
    ambiguous = pools.ambiguous.places
    namesake = [p for p in ambiguous if p.name == person]
    if namesake and rng.random() < 0.6:
        dep, arr = _namesake_ends(rng, pools, namesake)
    else:
        dep = pools.pick(rng, (), pools.ambiguous if ambiguous and rng.random() < 0.5 else None)
        arr = pools.pick(rng, (dep,), pools.ambiguous if ambiguous and rng.random() < 0.3 else None)
    extra["CORE"] = FORWARD_CORES + INVERTED_CORES
    template = expand(rng.choice(NAME_AMBIGUITY_TRIPS), rng, extra)
    return render(template, {"PERSON": (person, None), "DEP": (dep.name, "DEP"), "ARR": (arr.name, "ARR")})


def _namesake_ends(rng: random.Random, pools: _Pools, namesake: Sequence[Place]) -> tuple[Place, Place]:
    """A trip between one of ``namesake`` and another commune, in either direction."""
    ends = [namesake[0], pools.pick(rng, namesake)]
    rng.shuffle(ends)
    return ends[0], ends[1]


def _homonym_word(rng: random.Random, pools: _Pools) -> list[Piece]:
    """A commune's name as a word ("Mes valises sont lourdes") before or after a trip or a non-trip.

    In half the trips that commune is also one end ("C'est super nice. Un billet de Cannes à Nice").
    """
    name = rng.choice(tuple(HOMONYM_CLAUSES))
    clause = rng.choice(HOMONYM_CLAUSES[name])
    if rng.random() < 0.4:
        pieces = _not_trip(rng, pools)
    else:
        namesake = [p for p in pools.places.places if p.name == name]
        ends = _namesake_ends(rng, pools, namesake) if namesake and rng.random() < 0.5 else None
        pieces = _trip(rng, pools, rng.choice(TRIP_KINDS), ends=ends)
    text, label = pieces[-1]
    if rng.random() < 0.5 or not text.endswith(tuple(".!?")):
        return [(clause + ". ", None), *pieces]
    return [*pieces[:-1], (text + " " + clause + ".", label)]


# Non-trip kinds: weight, and how to draw an expanded template.
NON_TRIP_KINDS: dict[str, tuple[float, Callable[[random.Random], str]]] = {
    "single_city": (0.30, lambda rng: expand(rng.choice(REQUEST_FRAMES), rng, {"CORE": SINGLE_CORES})),
    "about_place": (0.25, lambda rng: expand(rng.choice(ABOUT_PLACE), rng)),
    "two_places": (0.12, lambda rng: expand(rng.choice(TWO_PLACES), rng)),
    "same_place": (0.08, lambda rng: expand(rng.choice(SAME_PLACE), rng)),
    "no_place": (0.15, lambda rng: expand(rng.choice(NO_PLACE), rng)),
    "gibberish": (0.10, lambda rng: _gibberish(rng)),
}
NON_TRIP_RECASED = 0.2  # share of non-trips lowercased or texted, like trips of the lowercase category


def _gibberish(rng: random.Random) -> str:
    letters = "azertyuiopqsdfghjklmwxcvbn"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 9))) for _ in range(rng.randint(1, 5))]
    return " ".join(words) + rng.choice(("", "", " ?", " !!", "..."))


def _not_trip(rng: random.Random, pools: _Pools) -> list[Piece]:
    kinds = list(NON_TRIP_KINDS)
    kind = rng.choices(kinds, weights=[NON_TRIP_KINDS[k][0] for k in kinds])[0]
    template = NON_TRIP_KINDS[kind][1](rng)
    place = pools.pick(rng, ())
    other = pools.pick(rng, (place,))
    same = kind == "same_place"
    mentions = {"PLACE": (place.name, None), "PLACE2": (other.name, None), "DEP": (place.name, None),
                "ARR": (place.name if same else other.name, None)}  # fmt: skip
    pieces = render(template, mentions)
    return _case(pieces, rng, texting=0.6) if rng.random() < NON_TRIP_RECASED else pieces


def _foreign(rng: random.Random, pools: _Pools) -> list[Piece]:
    """A request (or not) in another language: never a trip, even with French city names."""
    dep = pools.pick(rng, ())
    arr = pools.pick(rng, (dep,))
    if rng.random() < 0.3:
        template, lang = rng.choice(FOREIGN), ""
    else:
        lang = rng.choice(tuple(FOREIGN_LANGUAGES))
        template = expand(rng.choice(FOREIGN_LANGUAGES[lang]["F"]), rng, FOREIGN_LANGUAGES[lang])
    names = {slot: EXONYMS.get(p.name, {}).get(lang, p.name) for slot, p in (("DEP", dep), ("ARR", arr))}
    pieces = render(template, {slot: (name, None) for slot, name in names.items()})
    if rng.random() < 0.25:
        lowered = [(text.lower(), label) for text, label in pieces]
        pieces = [(strip_accents(t), label) for t, label in lowered] if rng.random() < 0.5 else lowered
    return pieces


BUILDERS: dict[str, Callable[[random.Random, _Pools], list[Piece]]] = {
    "standard": lambda rng, pools: _trip(rng, pools, "standard"),
    "inverted": lambda rng, pools: _trip(rng, pools, "inverted"),
    "no_markers": lambda rng, pools: _trip(rng, pools, "no_markers"),
    "via": lambda rng, pools: _trip(rng, pools, "via"),
    "lowercase": _lowercase,
    "typo": _typo,
    "compound": _compound,
    "name_ambiguity": _name_ambiguity,
    "not_trip": _not_trip,
    "foreign": _foreign,
}


def category_plan(n: int, weights: Mapping[str, float], rng: random.Random) -> list[str]:
    """Exactly proportional category counts (largest remainder), in random order."""
    total = sum(weights.values())
    quotas = {c: n * w / total for c, w in weights.items()}
    counts = {c: int(q) for c, q in quotas.items()}
    for c in sorted(quotas, key=lambda c: counts[c] - quotas[c])[: n - sum(counts.values())]:
        counts[c] += 1
    plan = [c for c in weights for _ in range(counts[c])]
    rng.shuffle(plan)
    return plan


def generate(
    n: int,
    places: Sequence[Place],
    seed: int,
    *,
    exclude: Collection[str] = (),
    weights: Mapping[str, float] = CATEGORY_WEIGHTS,
) -> list[Annotated]:
    """``n`` distinct annotated sentences about ``places``; the same arguments give the same list.

    ``exclude`` holds ``annotations.normalise``d texts never to produce, e.g. the train
    sentences when generating dev, since a place-free sentence ("Bonjour !") could
    otherwise appear in two splits.
    """
    rng = random.Random(seed)
    pools = _Pools.build(places)
    seen = set(exclude)
    sentences = []
    for category in category_plan(n, weights, rng):
        for _ in range(MAX_TRIES):
            pieces = BUILDERS[category](rng, pools)
            if category not in UNACCENTED_SKIP and rng.random() < UNACCENTED_SHARE:
                pieces = _unaccented(pieces, rng)
            sentence = to_annotated(pieces, category)
            key = normalise(sentence.text)
            if key not in seen:
                break
        else:
            raise RuntimeError(f"could not write a new '{category}' sentence in {MAX_TRIES} tries; ask for fewer")
        seen.add(key)
        sentences.append(sentence)
    return sentences
