from services.roster.service import definition
from shared.service import main

main(definition())
